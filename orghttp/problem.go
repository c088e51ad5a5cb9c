package orghttp

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// Problem is an RFC 9457 problem details object, as WriteProblem sends it. Hosts that
// render HTML error pages can use ProblemFor to show the same title and detail.
type Problem struct {
	// Type is "about:blank": the status says what kind of problem it is.
	Type string `json:"type"`
	// Title is the status's standard text, such as "Not Found".
	Title string `json:"title"`
	// Status is StatusCode of the error.
	Status int `json:"status"`
	// Detail explains this occurrence, for people.
	Detail string `json:"detail,omitempty"`
}

// ProblemFor describes err for a client, without revealing anything internal: a library
// sentinel gives the sentinel's own message (never the text of the errors wrapping it,
// which may hold internal details), and an error with a 5xx status a generic detail. A nil
// err gives a 200 OK problem, which nothing should send.
func ProblemFor(err error) Problem {
	status, sentinel := classify(err)
	p := Problem{Type: "about:blank", Title: http.StatusText(status), Status: status}
	switch {
	case status == StatusClientClosedRequest:
		p.Title, p.Detail = "Client Closed Request", "The client closed the request."
	case status == http.StatusRequestEntityTooLarge:
		p.Detail = "The request body is too large."
	case status >= 500:
		p.Detail = "The server could not complete the request."
	case sentinel != nil:
		p.Detail = detail(sentinel)
	}
	return p
}

// detail turns "organizations: organization not found" into "Organization not found.".
func detail(sentinel error) string {
	msg := sentinel.Error()
	if _, rest, ok := strings.Cut(msg, ": "); ok {
		msg = rest
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

// WriteProblem writes err as an application/problem+json response (see ProblemFor) with
// status StatusCode(err). It is the default Config.ErrorHandler and can be used by any
// handler; r may be nil. The response is not cached, and a HEAD request gets no body.
func WriteProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := ProblemFor(err)
	body, _ := json.Marshal(p) // A struct of strings and an int always marshals.
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	if r != nil && r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(append(body, '\n'))
}
