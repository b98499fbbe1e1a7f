package api

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
)

// PageParams are the query parameters of every list: page counts from 1,
// per_page is 1–100 (default 20). Values out of range are a 422 problem at
// "query.page" or "query.per_page". A page after the last is not an error:
// it is empty, and its links lead back.
type PageParams struct {
	Page    int `query:"page" minimum:"1" default:"1" doc:"Page number, from 1."`
	PerPage int `query:"per_page" minimum:"1" maximum:"100" default:"20" doc:"Items per page, 1-100."`
}

// MaxPerPage is the largest page a list returns.
const MaxPerPage = 100

// offset returns the number of items before the page, saturating instead
// of overflowing for absurd page numbers (they simply find nothing).
func (p PageParams) offset() int {
	if p.Page-1 > math.MaxInt32/p.PerPage {
		return math.MaxInt32
	}
	return (p.Page - 1) * p.PerPage
}

// Page is the body of every list response.
type Page[T any] struct {
	Items      []T `json:"items" nullable:"false" doc:"The items of this page."`
	Page       int `json:"page" doc:"This page's number, from 1."`
	PerPage    int `json:"per_page" doc:"The page size asked for."`
	Total      int `json:"total" doc:"Items matching the request, across all pages."`
	TotalPages int `json:"total_pages" doc:"Number of pages; 0 if there are no items."`
}

// PageOutput is the response of every list: the page and its RFC 8288 links.
type PageOutput[T any] struct {
	Link string `header:"Link" doc:"RFC 8288 links to the first, last, previous and next pages (path-absolute references)."`
	Body Page[T]
}

// newPage builds a list response. path is the list's path and query its
// other parameters (filters), which the links keep.
func newPage[T any](p PageParams, items []T, total int, path string, query url.Values) *PageOutput[T] {
	if items == nil {
		items = []T{}
	}
	pages := (total + p.PerPage - 1) / p.PerPage
	out := &PageOutput[T]{Body: Page[T]{Items: items, Page: p.Page, PerPage: p.PerPage, Total: total, TotalPages: pages}}
	last := max(pages, 1)
	link := func(page int, rel string) string {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("page", strconv.Itoa(page))
		q.Set("per_page", strconv.Itoa(p.PerPage))
		return fmt.Sprintf(`<%s?%s>; rel="%s"`, path, q.Encode(), rel)
	}
	links := []string{link(1, "first")}
	if p.Page > 1 {
		links = append(links, link(min(p.Page-1, last), "prev"))
	}
	if p.Page < pages {
		links = append(links, link(p.Page+1, "next"))
	}
	links = append(links, link(last, "last"))
	out.Link = strings.Join(links, ", ")
	return out
}
