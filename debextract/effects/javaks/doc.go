// Package javaks writes the Java trust store /etc/ssl/certs/java/cacerts
// as Debian's ca-certificates-java (20240118, trixie, on OpenJDK 21)
// writes it on a fresh install, without running Java: the extraction
// helper computes it from what the CA bundle's step (package cacerts)
// computed for the same image.
//
// # What Debian does
//
// On a fresh install the postinst of ca-certificates-java (or its
// trigger, once a Java runtime is configured: without one it writes
// nothing) lists "find /etc/ssl/certs -type l -name '*.pem' | sort", keeps
// the links whose target starts with /usr/share/ca-certificates or
// /usr/local/share/ca-certificates (so local CAs are in, under the same
// kind of alias), and pipes one line "+<link>" each to its
// UpdateCertificates program with the store password "changeit". That
// program starts from an empty KeyStore.getInstance("JKS") and, line by
// line, reads the first certificate of the file (CertificateFactory
// "X.509"; a file it cannot read or parse is skipped with a warning) and
// adds it under the alias "debian:" + the link's file name, replacing an
// entry of the same alias (deleteEntry, then setCertificateEntry); then it
// stores the keystore. The hook /etc/ca-certificates/update.d/jks-keystore
// only queues later changes for the trigger: on a fresh install there are
// none.
//
// # Format
//
// The file is a JKS keystore, not PKCS#12 (file(1): "Java KeyStore";
// keytool: "Keystore type: JKS"): the magic FEEDFEED, version 2, the entry
// count, then trusted-certificate entries (tag 2, alias in modified UTF-8,
// creation date in milliseconds, type "X.509", the certificate's DER) and
// a SHA-1 digest keyed with the password; see Marshal. JKS entries carry
// no attributes (there is no trusted-key-usage attribute as in a PKCS#12
// trust store). JKS lowercases aliases (String.toLowerCase(Locale.ENGLISH)),
// so keytool lists "debian:isrg_root_x1.pem" for ISRG_Root_X1.pem (see
// AliasFor). JavaKeyStore keeps its entries in a java.util.Hashtable and
// writes them in the order of its keys(): TrustStore replays the
// insertions in the same table to write the same order.
//
// # Where we deviate
//
//   - Dates: Java dates each entry with the time it was added, so every
//     build differs (the reference's 148 entries have 148 different
//     milliseconds). TrustStore dates every entry with the one time it is
//     given (the layer's modification time, say). With Java's dates, our
//     bytes are Java's (TestReference, TestGolden).
//   - Lowercasing: Java lowers a Greek capital sigma to a final sigma at
//     the end of a word; we lower it to σ always. İ becomes "i̇" as in Java.
//   - Parsing: a certificate is taken when crypto/x509 parses it; one that
//     Java accepts and Go refuses (a negative serial number, say) is
//     skipped with a warning. Java's PEM reader is laxer than encoding/pem
//     (it ignores stray characters in the base64).
//   - Shell: the postinst's "while read" drops backslashes from a link's
//     name (it then opens another name, which we look up among our links);
//     its unquoted "for pem in $pem_files" would expand glob characters in
//     names, which we do not model. /etc/default/cacerts (storepass,
//     cacerts_updates) is not read: it is a conffile of the package.
//   - Links: only the .pem links of the cacerts result are read: those
//     the image had before into the certificate directories are the ones
//     update-ca-certificates --fresh removes.
//
// # Verification
//
// TestGolden compares TrustStore with testdata/java.jks, which
// UpdateCertificates wrote for the certificates the test makes (see
// TestWriteGoldenInputs for how to remake it). TestReference and
// TestReferenceKeytool compare with a real trixie root named by the
// environment variable JAVAKS_REFERENCE; they need root (chroot) and
// /proc mounted in it:
//
//	mmdebstrap --mode=root --variant=apt \
//		--include=ca-certificates-java,openjdk-21-jre-headless \
//		trixie /tmp/jks/root "deb $(hack/mirror) trixie main"
//	mount -t proc proc /tmp/jks/root/proc
//	JAVAKS_REFERENCE=/tmp/jks/root go test ./debextract/effects/javaks
//	umount /tmp/jks/root/proc
//
// The first builds our keystore from the root's certificates (cacerts.Build
// on the root, then Build) and requires the same entries in the same order
// as the root's keystore, and the same bytes once given its dates; the
// second lists both with the root's keytool and compares the listings
// (aliases, entry count, SHA-256 fingerprints), dates aside. A root whose
// /usr/local/share/ca-certificates held local CAs before the install
// (mmdebstrap --setup-hook) checks those too.
package javaks
