// Package sha256hex gives the SHA-256 of bytes in the spelling of
// InRelease files, Packages files and lock files: 64 lowercase hex digits.
//
// It imports nothing of this module.
package sha256hex

import (
	"crypto/sha256"
	"encoding/hex"
)

// Sum returns the lowercase hex SHA-256 of b.
func Sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
