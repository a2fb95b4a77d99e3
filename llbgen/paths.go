package llbgen

import "github.com/distrofile/distrofile/usrmerge"

// MergedPath maps /bin/x, /sbin/x and /lib*/x to their /usr location, for
// roots where those directories are links into /usr.
//
// Deprecated: use usrmerge.Path, which it calls.
func MergedPath(p string) string { return usrmerge.Path(p) }
