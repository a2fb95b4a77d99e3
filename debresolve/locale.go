package debresolve

// The C.UTF-8 locale. glibc has only C and POSIX built in: LANG=C.UTF-8
// (or LC_ALL, LC_CTYPE…) needs the files of /usr/lib/locale/C.utf8,
// which libc-bin ships and libc6 does not. An image that has libc6 and not
// libc-bin takes those files alone out of libc-bin's .deb, at libc6's
// version (both are built from glibc), as distroless images do: the
// programs of libc-bin (ldconfig, locale, iconv…) stay out, and so does
// its dpkg status, since the package is not installed.
const (
	// LocaleLibc is the package whose presence asks for the locale.
	LocaleLibc = "libc6"
	// LocalePackage is the package the locale files come from.
	LocalePackage = "libc-bin"
)

// LocalePaths are the paths an image takes out of LocalePackage: the
// locale, and the copyright file that covers it (licence scanners read
// /usr/share/doc/*/copyright).
var LocalePaths = []string{"/usr/lib/locale/C.utf8", "/usr/share/doc/" + LocalePackage + "/copyright"}

// locale returns the package to take the C.utf8 locale from: LocalePackage
// at the version of the closure's LocaleLibc, when the closure has
// LocaleLibc but not LocalePackage (which brings the locale whole) and
// LocalePackage is not excluded. It is nil otherwise, and when no index
// has LocalePackage at that version and architecture.
func (r *resolver) locale() *Package {
	libc := r.sel[LocaleLibc]
	if libc == nil || libc.pkg.installed || r.sel[LocalePackage] != nil || r.exclude[LocalePackage] {
		return nil
	}
	for _, x := range r.indexes {
		for p := x.first(LocalePackage); p != nil; p = p.nextSame {
			if p.Architecture == libc.pkg.Architecture && p.Version == libc.pkg.Version {
				return p
			}
		}
	}
	return nil
}
