package organizations

import (
	"context"
	"encoding/base64"

	"github.com/google/uuid"
)

// Page sizes for ListOptions.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// ListOptions select one page of a list. The zero value is the first page of
// DefaultPageSize items.
type ListOptions struct {
	// Limit is the most items to return: 0 means DefaultPageSize, and a Limit above
	// MaxPageSize is clamped to MaxPageSize (the page then holds at most MaxPageSize
	// items, and its Next cursor continues from there). A negative Limit is
	// ErrInvalidListOptions.
	Limit int
	// After is the Next cursor of the previous page of the same list; empty for the first
	// page. A malformed cursor is ErrInvalidListOptions.
	After string
}

// Page is one page of a list in a stable order (keyset pagination: items added or removed
// elsewhere in the list never make a page repeat or skip an item that stayed).
//
// In JSON: {"items":[...],"next":"..."}, "items" never null and "next" left out on the
// last page.
type Page[T any] struct {
	// Items on this page, at most the Limit asked for.
	Items []T `json:"items"`
	// Next is the cursor for the following page, or empty on the last page.
	Next string `json:"next,omitempty"`
}

// CountedPage is a Page with the number of items of the whole list (every page of it),
// read in the same store call as the page, as Service.Teams and Service.TeamMembers
// return it: what a "12 teams" heading needs without another query.
//
// In JSON: {"items":[...],"next":"...","total":12}, "next" left out on the last page.
type CountedPage[T any] struct {
	Page[T]
	// Total is the number of items in the whole list when the page was read.
	Total int `json:"total"`
}

// pageQuery is a validated ListOptions: the store is asked for limit+1 items so that the
// Service knows, without a second query, whether a next page exists.
type pageQuery struct {
	after uuid.UUID
	limit int
}

func parseListOptions(o ListOptions) (pageQuery, error) {
	q := pageQuery{limit: o.Limit}
	if q.limit == 0 {
		q.limit = DefaultPageSize
	}
	if q.limit < 0 {
		return pageQuery{}, ErrInvalidListOptions
	}
	q.limit = min(q.limit, MaxPageSize)
	if o.After != "" {
		b, err := base64.RawURLEncoding.DecodeString(o.After)
		if err != nil || len(b) != 16 {
			return pageQuery{}, ErrInvalidListOptions
		}
		copy(q.after[:], b)
		if q.after == uuid.Nil {
			return pageQuery{}, ErrInvalidListOptions
		}
	}
	return q, nil
}

// makePage turns the store's limit+1 items into a Page, key giving each item's ID.
func makePage[T any](items []T, q pageQuery, key func(T) uuid.UUID) Page[T] {
	p := Page[T]{Items: items}
	if len(items) > q.limit {
		p.Items = items[:q.limit]
		last := key(p.Items[q.limit-1])
		p.Next = base64.RawURLEncoding.EncodeToString(last[:])
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	return p
}

// listPage is every keyset-paged list of the Service: the context and the list's key
// (check, the error of its validation, if any) are checked, then opts, then fetch asks the
// store for the page from q (q.limit+1 items after q.after), and key gives each item's ID
// for the next page's cursor. Errors, in that order: the context's, check,
// ErrInvalidListOptions, fetch's.
func listPage[T any](ctx context.Context, check error, opts ListOptions, key func(T) uuid.UUID, fetch func(q pageQuery) ([]T, error)) (Page[T], error) {
	if err := ready(ctx, check); err != nil {
		return Page[T]{}, err
	}
	q, err := parseListOptions(opts)
	if err != nil {
		return Page[T]{}, err
	}
	items, err := fetch(q)
	if err != nil {
		return Page[T]{}, err
	}
	return makePage(items, q, key), nil
}

// countedPage is listPage for a list whose store read also returns the whole list's
// size: fetch returns the page's items and that total.
func countedPage[T any](ctx context.Context, check error, opts ListOptions, key func(T) uuid.UUID, fetch func(q pageQuery) ([]T, int, error)) (CountedPage[T], error) {
	total := 0
	p, err := listPage(ctx, check, opts, key, func(q pageQuery) ([]T, error) {
		items, n, err := fetch(q)
		total = n
		return items, err
	})
	if err != nil {
		return CountedPage[T]{}, err
	}
	return CountedPage[T]{Page: p, Total: total}, nil
}

// The IDs lists are paged by.
func organizationID(o Organization) uuid.UUID   { return o.ID }
func membershipID(m OrganizationUser) uuid.UUID { return m.ID }
func invitationID(i Invitation) uuid.UUID       { return i.ID }
