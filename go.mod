module github.com/go-organizations/organizations

go 1.25

require (
	github.com/google/uuid v1.6.0
	github.com/gosimple/slug v1.15.0
)

require github.com/gosimple/unidecode v1.0.1 // indirect
