package llbgen

import "strings"

// MergedPath maps /bin/x, /sbin/x and /lib*/x to their /usr location, for
// roots where those directories are links into /usr.
func MergedPath(p string) string {
	for _, d := range []string{"/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/"} {
		if strings.HasPrefix(p, d) {
			return "/usr" + p
		}
	}
	return p
}
