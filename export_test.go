package organizations

// Exported for the package's external tests only (this file is compiled only by go test).
var (
	// ParseToken is parseToken: the SHA-256 hash of a well-formed token.
	ParseToken = parseToken
	// NewToken is newToken: a fresh token and its hash.
	NewToken = newToken
)
