// Package cacerts writes what the ca-certificates package's maintainer
// scripts write on a fresh install, without running them: the extraction
// helper calls it in its --ca-certificates mode on the merged root of an
// image that contains ca-certificates, and its output becomes one layer.
//
// # What is written
//
// Build reads an image root and returns, as in Debian (ca-certificates
// 20230311 and 20250419, OpenSSL 3):
//
//   - etc/ca-certificates.conf, as the postinst writes it when the file
//     does not exist yet (ConfHeader, then every certificate file found
//     by "find /usr/share/ca-certificates -type f -name '*.crt'",
//     relative to that directory, sorted in byte order, every one enabled).
//     It is not written when Options.Config supplies the selection.
//   - etc/ssl/certs/ca-certificates.crt, mode 0644, as update-ca-certificates
//     writes it: the enabled certificates in the order of the
//     configuration, then the local ones found by
//     "find -L /usr/local/share/ca-certificates -type f -name '*.crt'",
//     sorted by path in byte order; each file's content followed by a
//     newline when it does not end with one (sed -e '$a\').
//   - for each of those files, the absolute symbolic link
//     etc/ssl/certs/<base>.pem -> /usr/share/ca-certificates/<name>.crt
//     (or the /usr/local/share/ca-certificates/… path as walked), where
//     <base> is the file's base name without ".crt", with " " and ","
//     replaced by "_" and "(" and ")" by "="; a later file with the same
//     <base> replaces the link, as ln -sf does.
//   - the links "openssl rehash" makes in etc/ssl/certs: for every entry of
//     the directory, in strcmp order, whose name ends in .pem, .crt, .cer
//     or .crl (in any case) and that holds exactly one PEM certificate or
//     CRL, a relative symbolic link <hash>.<n> (certificates) or
//     <hash>.r<n> (CRLs) to the entry's name, where <hash> is NameHash of
//     the subject (issuer for CRLs) in 8 lowercase hex digits and <n>
//     counts from 0 among entries with the same hash; an entry whose
//     SHA-1 fingerprint repeats an earlier one of the same hash gets no
//     link. The directory is our .pem links plus what the image already
//     has in /etc/ssl/certs (other files, such as a copied certificate),
//     except hash-named symbolic links, which are ignored.
//
// Hooks in /etc/ca-certificates/update.d (ca-certificates-java) are not
// run. The shell scripts split names at white space and newlines: names
// holding them are refused instead. "sort" is assumed to run in the C
// locale, as in debootstrap and container builds. Private keys inside
// certificate files are not modelled: rehash may count them as objects.
//
// # Safety
//
// The root is read through an os.Root: symbolic links are resolved inside
// it (absolute targets against the root, ".." stopping at the root), so
// nothing outside the root is ever read. Build only reads; Tar writes the
// result as an uncompressed tar stream for debextract.ExtractTar, with
// owner 0:0, directories etc/, etc/ssl/ and etc/ssl/certs/ (0755) and one
// modification time for every entry.
package cacerts

import (
	"archive/tar"
	"bytes"
	"crypto/sha1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/distrofile/distrofile/debextract/imageroot"
)

// Paths of the ca-certificates package, absolute inside the image.
const (
	CertsDir      = "/usr/share/ca-certificates"
	LocalCertsDir = "/usr/local/share/ca-certificates"
	EtcCertsDir   = "/etc/ssl/certs"
	BundlePath    = "/etc/ssl/certs/ca-certificates.crt"
	ConfPath      = "/etc/ca-certificates.conf"
)

// Reads reports whether Build's result can depend on a non-directory
// entry at the absolute, clean path p of an image root: one that Holds,
// or something other than a directory in place of CertsDir, LocalCertsDir,
// EtcCertsDir or one of their parents (a symbolic link at /etc/ssl moves
// /etc/ssl/certs). The extraction helper refuses such entries from
// packages that the CA bundle's step does not read (see
// debextract.Options.CAOwners).
func Reads(p string) bool {
	if Holds(p) {
		return true
	}
	for _, d := range certDirs {
		if p == d || strings.HasPrefix(d, p+"/") {
			return true
		}
	}
	return false
}

// Holds reports whether the absolute, clean path p is ConfPath or lies
// under CertsDir, LocalCertsDir or EtcCertsDir: where update-ca-certificates
// reads files.
func Holds(p string) bool {
	for _, d := range certDirs {
		if strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return p == ConfPath
}

// certDirs are the directories whose files update-ca-certificates reads.
var certDirs = []string{CertsDir, LocalCertsDir, EtcCertsDir}

// ConfHeader is the comment block the postinst writes at the top of a new
// /etc/ca-certificates.conf.
const ConfHeader = `# This file lists certificates that you wish to use or to ignore to be
# installed in /etc/ssl/certs.
# update-ca-certificates(8) will update /etc/ssl/certs by reading this file.
#
# This is autogenerated by dpkg-reconfigure ca-certificates.
# Certificates should be installed under /usr/share/ca-certificates
# and files with extension '.crt' is recognized as available certs.
#
# line begins with # is comment.
# line begins with ! is certificate filename to be deselected.
#
`

// maxCertFile bounds the size of one certificate file read.
const maxCertFile = 16 << 20

// maxCollisions is openssl rehash's limit of links per hash.
const maxCollisions = 256

// Options control Build.
type Options struct {
	// Config, when not nil, is the content of /etc/ca-certificates.conf
	// selecting the certificates, read as update-ca-certificates reads it;
	// the configuration is then not part of the result. When nil, the
	// configuration of a fresh install is generated and written.
	Config []byte
}

// File is one entry of the result, with a path relative to the root
// ("etc/ssl/certs/ca-certificates.crt").
type File struct {
	// Path is slash-separated and relative.
	Path string
	// Data is the content of a regular file.
	Data []byte
	// Link is the target of a symbolic link; empty for a regular file.
	Link string
}

// Result is what Build computed.
type Result struct {
	// Files are the regular files and symbolic links to write, sorted by
	// path: etc/ca-certificates.conf (unless Options.Config was given),
	// the bundle, the .pem links and the hash links.
	Files []File
	// Certificates counts the certificate files in the bundle, Local the
	// ones among them from /usr/local/share/ca-certificates.
	Certificates, Local int
	// PEMLinks and HashLinks count the links of each kind.
	PEMLinks, HashLinks int
	// Warnings lists what update-ca-certificates or openssl rehash would
	// have warned about: missing configured files, files skipped by
	// rehash.
	Warnings []string
}

// String returns a one-line summary.
func (r *Result) String() string {
	return fmt.Sprintf("ca-certificates: %d certificates (%d local), %d .pem links, %d hash links",
		r.Certificates, r.Local, r.PEMLinks, r.HashLinks)
}

// pemName is the name update-ca-certificates gives the link to cert.
func pemName(cert string) string {
	b := path.Base(cert)
	if b != ".crt" {
		b = strings.TrimSuffix(b, ".crt")
	}
	b = strings.NewReplacer(" ", "_", "(", "=", ")", "=", ",", "_").Replace(b)
	return b + ".pem"
}

// FreshConfig returns the /etc/ca-certificates.conf the postinst writes on
// a fresh install given the files found in /usr/share/ca-certificates
// (paths relative to it, e.g. "mozilla/ISRG_Root_X1.crt"): ConfHeader and
// the names, sorted and without duplicates, one a line.
func FreshConfig(names []string) []byte {
	s := append([]string(nil), names...)
	sort.Strings(s)
	var b bytes.Buffer
	b.WriteString(ConfHeader)
	for i, n := range s {
		if i > 0 && n == s[i-1] {
			continue
		}
		b.WriteString(n)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func checkName(p string) error {
	if strings.ContainsAny(p, " \t\n") {
		return fmt.Errorf("%q: certificate file names with white space are not supported", p)
	}
	return nil
}

// Build computes the files update-ca-certificates writes for the image
// whose root is the directory root. See the package documentation.
func Build(root string, opt Options) (*Result, error) {
	return BuildLayers([]string{root}, opt)
}

// BuildLayers is Build for the image whose root is the union of the layer
// directories, bottom first (a later layer's entry hides an earlier one's,
// directories are merged), so that the image need not be merged first.
func BuildLayers(layers []string, opt Options) (*Result, error) {
	ir, err := imageroot.Open(layers...)
	if err != nil {
		return nil, err
	}
	defer ir.Close()
	res := &Result{}

	conf := opt.Config
	if conf == nil {
		found, err := ir.Find(CertsDir, false, isCRT)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, f := range found {
			n := strings.TrimPrefix(f, CertsDir+"/")
			if err := checkName(n); err != nil {
				return nil, err
			}
			names = append(names, n)
		}
		conf = FreshConfig(names)
		res.Files = append(res.Files, File{Path: rel(ConfPath), Data: conf})
	}

	var bundle bytes.Buffer
	links := map[string]string{} // .pem name -> target
	add := func(cert string) error {
		data, err := ir.ReadFile(cert, maxCertFile)
		if err != nil {
			return err
		}
		links[pemName(cert)] = cert
		bundle.Write(data)
		if len(data) > 0 && data[len(data)-1] != '\n' {
			bundle.WriteByte('\n')
		}
		res.Certificates++
		return nil
	}
	for _, line := range strings.Split(string(conf), "\n") {
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		crt := strings.Trim(line, " \t")
		if crt == "" {
			continue
		}
		cert := CertsDir + "/" + crt
		if _, fi, err := ir.Stat(cert); err != nil || !fi.Mode().IsRegular() {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s not found, but listed in %s", cert, ConfPath))
			continue
		}
		if err := add(cert); err != nil {
			return nil, err
		}
	}
	local, err := ir.Find(LocalCertsDir, true, isCRT)
	if err != nil {
		return nil, err
	}
	sort.Strings(local)
	for _, cert := range local {
		if err := checkName(cert); err != nil {
			return nil, err
		}
		if err := add(cert); err != nil {
			return nil, err
		}
		res.Local++
	}
	res.Files = append(res.Files, File{Path: rel(BundlePath), Data: bundle.Bytes()})
	for name, target := range links {
		res.Files = append(res.Files, File{Path: rel(EtcCertsDir) + "/" + name, Link: target})
	}
	res.PEMLinks = len(links)

	hashLinks, warnings, err := rehash(ir, links)
	if err != nil {
		return nil, err
	}
	res.Warnings = append(res.Warnings, warnings...)
	for name, target := range hashLinks {
		res.Files = append(res.Files, File{Path: rel(EtcCertsDir) + "/" + name, Link: target})
	}
	res.HashLinks = len(hashLinks)
	sort.Slice(res.Files, func(i, j int) bool { return res.Files[i].Path < res.Files[j].Path })
	return res, nil
}

// hashName matches the names openssl rehash treats as its own links.
var hashName = regexp.MustCompile(`^[0-9a-fA-F]{8}\.[rR]?[0-9]+$`)

// rehash computes the links "openssl rehash" makes in /etc/ssl/certs once
// the .pem links are in place.
func rehash(ir *imageroot.Root, pemLinks map[string]string) (map[string]string, []string, error) {
	// The directory: the image's entries, then ours replacing them.
	type entry struct {
		name, target string // target: our link's target, "" for the image's
	}
	dir := map[string]entry{}
	ents, err := ir.ReadDir(EtcCertsDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	for _, e := range ents {
		if e.Type()&fs.ModeSymlink != 0 && hashName.MatchString(e.Name()) {
			continue
		}
		dir[e.Name()] = entry{name: e.Name()}
	}
	for name, target := range pemLinks {
		dir[name] = entry{name: name, target: target}
	}
	names := make([]string, 0, len(dir))
	for n := range dir {
		names = append(names, n)
	}
	sort.Strings(names)

	type bucket struct {
		names   []string
		digests [][sha1.Size]byte
	}
	buckets := map[string]*bucket{} // "%08x." or "%08x.r"
	var order []string
	var warnings []string
	for _, n := range names {
		ext := strings.ToLower(path.Ext(n))
		if ext != ".pem" && ext != ".crt" && ext != ".cer" && ext != ".crl" {
			continue
		}
		file := EtcCertsDir + "/" + n
		if t := dir[n].target; t != "" {
			file = t
		}
		data, err := ir.ReadFile(file, maxCertFile)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("skipping %s, cannot open file", n))
			continue
		}
		key, digest, ok, why := hashObject(data)
		if !ok {
			if why != "" {
				warnings = append(warnings, fmt.Sprintf("skipping %s, %s", n, why))
			}
			continue
		}
		b := buckets[key]
		if b == nil {
			b = &bucket{}
			buckets[key] = b
			order = append(order, key)
		}
		dup := false
		for _, d := range b.digests {
			if d == digest {
				dup = true
			}
		}
		if dup {
			warnings = append(warnings, fmt.Sprintf("skipping duplicate certificate in %s", n))
			continue
		}
		if len(b.names) >= maxCollisions {
			return nil, nil, fmt.Errorf("openssl rehash: hash table overflow for %s", n)
		}
		b.names = append(b.names, n)
		b.digests = append(b.digests, digest)
	}
	links := map[string]string{}
	for _, key := range order {
		for i, n := range buckets[key].names {
			links[fmt.Sprintf("%s%d", key, i)] = n
		}
	}
	return links, warnings, nil
}

// hashObject reads the PEM objects of a file as PEM_X509_INFO_read_bio
// does. With exactly one certificate or CRL it returns the link prefix
// ("%08x." or "%08x.r") and the object's SHA-1 fingerprint.
func hashObject(data []byte) (key string, digest [sha1.Size]byte, ok bool, why string) {
	type object struct {
		crl bool
		der []byte
	}
	var objs []object
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE":
			objs = append(objs, object{der: b.Bytes})
		case "X509 CRL":
			objs = append(objs, object{crl: true, der: b.Bytes})
		}
	}
	if len(objs) == 0 {
		return "", digest, false, ""
	}
	if len(objs) != 1 {
		return "", digest, false, "it does not contain exactly one certificate or CRL"
	}
	o := objs[0]
	var name, der []byte
	var err error
	suffix := "."
	if o.crl {
		name, der, err = crlIssuer(o.der)
		suffix = ".r"
	} else {
		name, der, err = certSubject(o.der)
	}
	if err != nil {
		return "", digest, false, ""
	}
	h, err := NameHash(name)
	if err != nil {
		return "", digest, false, ""
	}
	return fmt.Sprintf("%08x%s", h, suffix), sha1.Sum(der), true, ""
}

// Tar writes the result as an uncompressed tar stream: the directories
// etc/, etc/ssl/ and etc/ssl/certs/ (0755), regular files 0644 and
// symbolic links, all owned by 0:0 and with modification time mtime.
func (r *Result) Tar(w io.Writer, mtime time.Time) error {
	tw := tar.NewWriter(w)
	hdr := func(h *tar.Header) error {
		h.ModTime = mtime
		return tw.WriteHeader(h)
	}
	for _, d := range []string{"etc/", "etc/ssl/", "etc/ssl/certs/"} {
		if err := hdr(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0755}); err != nil {
			return err
		}
	}
	for _, f := range r.Files {
		if f.Link != "" {
			if err := hdr(&tar.Header{Name: f.Path, Typeflag: tar.TypeSymlink, Mode: 0777, Linkname: f.Link}); err != nil {
				return err
			}
			continue
		}
		if err := hdr(&tar.Header{Name: f.Path, Typeflag: tar.TypeReg, Mode: 0644, Size: int64(len(f.Data))}); err != nil {
			return err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return err
		}
	}
	return tw.Close()
}

// isCRT is update-ca-certificates' "-name '*.crt'".
func isCRT(name string) bool { return strings.HasSuffix(name, ".crt") }

// rel turns an absolute image path into a layer-relative one.
func rel(p string) string { return strings.TrimPrefix(p, "/") }
