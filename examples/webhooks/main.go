// Command webhooks relays the event feed of an organizations.Service to an HTTP endpoint
// as signed webhooks, following Standard Webhooks (standardwebhooks.com): each event is
// POSTed as its EventRecord JSON with the headers
//
//	webhook-id:        the record's ID (the receiver's idempotency key)
//	webhook-timestamp: Unix seconds
//	webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">
//
// keyed by the secret's bytes (a secret is written "whsec_<base64>"). A response other
// than 2xx, or no response, is retried with backoff by the Relay, on the same event:
// events arrive at least once and in feed order, and the receiver drops repeats by
// webhook-id.
//
// Run it to watch a demo on the in-memory store, posting to a receiver of its own on
// 127.0.0.1 that verifies every signature:
//
//	go run ./examples/webhooks
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-organizations/organizations"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "webhooks:", err)
		os.Exit(1)
	}
}

// ErrBadSignature: a webhook whose signature, timestamp or headers do not verify.
var ErrBadSignature = errors.New("webhooks: bad signature")

// ParseSecret decodes a "whsec_<base64>" secret into its key bytes.
func ParseSecret(s string) ([]byte, error) {
	raw, ok := strings.CutPrefix(s, "whsec_")
	if !ok {
		return nil, errors.New(`webhooks: a secret starts with "whsec_"`)
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(key) < 24 {
		return nil, errors.New("webhooks: a secret is at least 24 bytes, base64-encoded")
	}
	return key, nil
}

// Sign returns the webhook-signature value of a message: "v1," and the base64
// HMAC-SHA256 of "<id>.<timestamp>.<body>".
func Sign(key []byte, id string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", id, timestamp)
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Verify checks a received webhook's headers against its body: one of the
// space-separated signatures is v1 and matches (compared in constant time), and the
// timestamp is within tolerance of now. Error: ErrBadSignature.
func Verify(key []byte, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if id == "" || err != nil {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp out of tolerance", ErrBadSignature)
	}
	want := Sign(key, id, sec, body)
	for _, s := range strings.Fields(sigs) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return ErrBadSignature
}

// Sender posts each event record to URL as a signed webhook: an organizations.Handler
// for organizations.NewRelay.
type Sender struct {
	URL    string
	Key    []byte       // from ParseSecret
	Client *http.Client // nil: a client with a 10-second timeout
	Now    func() time.Time
}

// HandleEvent posts r; any response but 2xx, or a failed request, is an error, which the
// Relay retries.
func (s *Sender) HandleEvent(ctx context.Context, r organizations.EventRecord) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ts := now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	id := r.ID.String()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", Sign(s.Key, id, ts, body))
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhooks: %s answered %s", s.URL, resp.Status)
	}
	return nil
}

// Receiver is a webhook endpoint that verifies signatures and keeps each event once
// (by webhook-id), in the order of first arrival.
type Receiver struct {
	Key []byte

	mu    sync.Mutex
	seen  map[string]bool
	got   []organizations.EventRecord
	tries int
	fail  func(try int) int // the status to answer the try-th request with (0: accept)
}

// ServeHTTP verifies and records a webhook.
func (v *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.tries++
	if v.fail != nil {
		if code := v.fail(v.tries); code != 0 {
			http.Error(w, "unavailable", code)
			return
		}
	}
	if err := Verify(v.Key, r.Header, body, time.Now(), 5*time.Minute); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var rec organizations.EventRecord
	if err := json.Unmarshal(body, &rec); err != nil || rec.ID.String() != r.Header.Get("webhook-id") {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	if v.seen == nil {
		v.seen = map[string]bool{}
	}
	if !v.seen[rec.ID.String()] {
		v.seen[rec.ID.String()] = true
		v.got = append(v.got, rec)
	}
	w.WriteHeader(http.StatusNoContent)
}

// Events returns the events received, once each, in order of first arrival.
func (v *Receiver) Events() []organizations.EventRecord {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]organizations.EventRecord(nil), v.got...)
}

// demoSecret is the demo's secret; a real one comes from configuration.
const demoSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// run makes a few changes on the in-memory store, relays them to a local receiver whose
// first two answers are 503, and prints what the receiver verified.
func run(ctx context.Context, w io.Writer) error {
	key, err := ParseSecret(demoSecret)
	if err != nil {
		return err
	}
	recv := &Receiver{Key: key, fail: func(try int) int {
		if try <= 2 {
			return http.StatusServiceUnavailable
		}
		return 0
	}}
	srv := httptest.NewServer(recv)
	defer srv.Close()

	store := organizations.NewMemoryStore()
	svc := organizations.New(store, nil)
	org, err := svc.CreateOrganization(ctx, "chris", "Soundgarden", nil)
	if err != nil {
		return err
	}
	if _, err := svc.AddUser(ctx, org.ID, "kim", organizations.RoleMember); err != nil {
		return err
	}
	if err := svc.ChangeOwner(ctx, org.ID, "kim"); err != nil {
		return err
	}
	relay := organizations.NewRelay(svc, store, "webhooks-demo", &Sender{URL: srv.URL, Key: key},
		&organizations.RelayOptions{PollInterval: 10 * time.Millisecond, MinBackoff: 10 * time.Millisecond})
	ctx, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- relay.Run(ctx) }()
	for len(recv.Events()) < 4 && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		return err
	}
	got := recv.Events()
	if len(got) < 4 {
		return errors.New("the receiver did not get every event in time")
	}
	fmt.Fprintf(w, "the receiver answered 503 twice, then verified:\n")
	for _, r := range got {
		fmt.Fprintf(w, "  %s (actor %q, subject %q)\n", r.Type, r.Actor, r.Subject)
	}
	return nil
}
