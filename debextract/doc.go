// Package debextract unpacks Debian binary packages (.deb files) into a
// directory, as the extraction helper of a BuildKit frontend: each package
// becomes one image layer, written by a static binary that runs with no
// network on a scratch root file system.
//
// # Reading
//
// A package is read as a stream, in one pass, with bounded memory: the ar
// archive is parsed member by member (members whose names start with "_"
// are ignored, as dpkg does), debian-binary must announce format 2.x,
// control.tar.{gz,xz,zst} or an uncompressed control.tar yields the control
// paragraph and md5sums, and data.tar.{xz,zst,gz,bz2} or an uncompressed
// data.tar is unpacked entry by entry. Nothing after data.tar is read.
//
// xz is decoded by liblzma through cgo when the package is built with cgo
// and the build tag liblzma (the released helper: hack/build-helper), and
// by the pure-Go github.com/ulikunitz/xz otherwise (XZDecoder,
// NewXZReader). Both accept concatenated streams and stream padding, verify
// every integrity check (CRC32, CRC64, SHA-256), refuse an unknown check
// type, and report truncated input as an error. liblzma also stops a
// stream that needs more than 256 MiB of memory (ErrLimit).
//
// # What is written
//
// Regular files, directories, symbolic links and hard links are written
// with their numeric owner (the tar header's uid and gid; names are
// ignored), their permission bits including setuid, setgid and sticky
// (owner first, then mode, because a change of owner clears setuid), and
// their modification time, clamped to Options.MaxMTime when that is set.
// Symbolic link targets are kept verbatim, absolute ones included: they are
// resolved inside the image at run time and never by the extractor.
// Directory metadata is applied after the last entry, deepest directory
// first, so that writing their contents does not disturb it. Directories
// that the archive does not list but that must exist (missing parents, and
// the dpkg status directories) are created with mode 0755, owner 0:0 and
// the control file's modification time, clamped the same way. The entry
// for the root ("./") is ignored: the metadata of the output directory
// itself is never changed.
//
// Device nodes and named pipes have no place in a distroless image: they
// are not created, the tree is left as it was, and they are listed in
// Result.Skipped. PAX global headers are ignored; any other tar entry type
// is an error.
//
// Later entries win, as with tar: a file, link or symlink replaces an
// earlier non-directory at the same path (the old link itself is removed,
// never its target), and a directory replaces an earlier non-directory.
// A directory is never replaced by a non-directory: that is an error
// wrapping ErrConflict.
//
// # Dropping paths
//
// Options.Drop removes paths from the package content before they reach
// the output directory: the presets DropDocs and DropLocales, or absolute
// globs ("/usr/share/doc/*", "/usr/**/*.mo"), matched against the final
// path of each entry, after UsrMerge. A dropped directory drops its
// subtree; a symbolic link is kept or dropped by its own path, never by
// its target's. The presets keep what scanners and programs need: DropDocs
// keeps /usr/share/doc/*/copyright, DropLocales the C.UTF-8 locale and
// /usr/share/locale/locale.alias, with the directories and symbolic links
// leading to them (see Dropper). The dpkg status files are never dropped,
// and md5sums is kept as shipped, dropped files included.
//
// A hard link that is kept while its target was dropped keeps the target's
// bytes and metadata: every dropped regular file is written to a staging
// directory, ".distrofile-dropped" at the top of the output directory,
// hard links to it are made from there, and the staging directory is
// removed when the package is done, so the first kept link holds the bytes
// in the layer. The name is reserved while Drop is set (ErrFormat). Staged
// files count towards the size limits.
//
// Result.Dropped and Result.DroppedBytes report the entries and bytes
// removed; they are not counted in Files, Dirs, Symlinks, Hardlinks or
// Bytes.
//
// # Several packages in one layer
//
// A Layer extracts several packages in order into one output directory,
// with dpkg's rules for a path that two of them ship (package owners): a
// directory is shared; a non-directory of one package over another's is
// an error wrapping ErrConflict that names both packages and the path,
// unless one Replaces the other, whose entry then stays or goes in
// whatever their order (Result.Replaced counts the entries of a package
// left to the one that replaces it); a non-directory over another's
// directory, and a directory over another's non-directory, are errors.
// Layer.Lists returns what each package has in the layer once the rules
// have applied, for owners.Check across layers. Directory metadata is
// applied once, by Layer.Close, after the last package: a directory listed
// by several packages gets the last one's. Extract is a Layer of one
// package.
//
// # Safety
//
// Nothing is ever created, written, chmodded, chowned or linked outside
// outDir, whatever the package holds:
//
//   - A leading "/" in an entry name is read relative to outDir, as dpkg
//     does; a name whose cleaned form still starts with ".." is rejected
//     (ErrUnsafe).
//   - Every file system operation is relative to a directory descriptor
//     that was opened component by component from outDir with O_NOFOLLOW
//     and O_DIRECTORY (openat, mkdirat, symlinkat, linkat, unlinkat,
//     fchownat and utimensat with AT_SYMLINK_NOFOLLOW), so a symbolic link
//     in the parent path of an entry is never followed: the entry is
//     rejected (ErrUnsafe). This works on every Linux kernel and needs no
//     openat2.
//   - A regular file is created with O_CREAT|O_EXCL|O_NOFOLLOW after the
//     old entry at that path, if any, has been unlinked.
//   - A hard link must point at a regular file that the same package wrote
//     (or hard-linked) earlier; anything else, a symbolic link or another
//     package's file included, is rejected (ErrUnsafe). linkat is called without
//     AT_SYMLINK_FOLLOW.
//
// # Limits
//
// A regular file may hold at most Options.MaxFileSize bytes and all files
// together Options.MaxTotalSize bytes; the decompressed data.tar stream,
// headers and skipped entries included, may be at most twice
// MaxTotalSize, which stops decompression bombs. control.tar is limited to
// 256 MiB decompressed, its control file to 1 MiB and md5sums to 64 MiB.
// Exceeding a limit is an error wrapping ErrLimit.
//
// # Errors
//
// Every error is an *Error that names the ar member and, where there is
// one, the tar entry: "data.tar.xz: ./usr/bin/x: ...". Extraction stops at
// the first error and leaves what was written so far; the caller discards
// outDir.
package debextract
