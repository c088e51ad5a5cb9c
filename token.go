package organizations

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// Invitation and activation tokens are TokenBytes random bytes, sent to the user as
// TokenLength characters of unpadded base64url text, and stored only as the SHA-256 hash
// of the raw bytes.
const (
	TokenBytes  = 32
	TokenLength = 43 // base64.RawURLEncoding.EncodedLen(TokenBytes)
)

// tokenEncoding is strict so that each token has exactly one accepted text: the 43rd
// character carries two unused bits, and a lenient decoder would accept four spellings of
// every token.
var tokenEncoding = base64.RawURLEncoding.Strict()

// newToken returns a fresh token's text, to send, and its hash, to store. The raw bytes
// never leave this function.
func newToken() (text string, hash []byte) {
	var raw [TokenBytes]byte
	// Since Go 1.24 crypto/rand.Read never returns an error: it crashes the program
	// rather than hand out predictable bytes.
	_, _ = rand.Read(raw[:])
	return tokenEncoding.EncodeToString(raw[:]), hashToken(raw[:])
}

// parseToken returns the hash to look a presented token up by. ok is false for anything
// newToken cannot have produced (wrong length, a character outside the base64url
// alphabet, padding, non-canonical final bits); callers report that as "not found", the
// same answer a well-formed but unknown token gets, so a malformed token reveals nothing.
//
// The lookup itself need not be constant-time. The store finds the invitation by the
// SHA-256 of the presented token, so whatever timing leaks is about that hash, and an
// attacker who learns how much of it matched a stored hash still cannot produce a token
// whose hash matches more: that would need a SHA-256 preimage. The raw token is never
// compared with anything.
func parseToken(text string) (hash []byte, ok bool) {
	if len(text) != TokenLength {
		return nil, false
	}
	var raw [TokenBytes]byte
	n, err := tokenEncoding.Decode(raw[:], []byte(text))
	if err != nil || n != TokenBytes {
		return nil, false
	}
	return hashToken(raw[:]), true
}

// hashToken is the stored form of a token: SHA-256 of its raw bytes.
func hashToken(raw []byte) []byte {
	h := sha256.Sum256(raw)
	return h[:]
}
