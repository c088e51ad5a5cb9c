package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

func TestDemoRuns(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out))
	require.Equal(t, `the receiver answered 503 twice, then verified:
  organization_created (actor "", subject "chris")
  user_added (actor "", subject "kim")
  role_changed (actor "", subject "kim")
  owner_changed (actor "", subject "kim")
`, out.String())
}

// The receiver on 127.0.0.1 is down (500s, then connections dropped) while events are
// made; once it is back, every event arrives, in feed order, each signature valid.
func TestEveryEventArrivesInOrderAfterAnOutage(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	key, err := ParseSecret(demoSecret)
	require.NoError(t, err)
	var mu sync.Mutex
	down := true
	var failures int
	recv := &Receiver{Key: key}
	recv.fail = func(try int) int {
		mu.Lock()
		defer mu.Unlock()
		if down {
			failures++
			return http.StatusInternalServerError
		}
		return 0
	}
	var dropped int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		drop := down && failures >= 3 && dropped < 3 // the second phase of the outage
		if drop {
			dropped++
		}
		mu.Unlock()
		if drop {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close() // no answer at all
			}
			return
		}
		recv.ServeHTTP(w, r)
	}))
	defer srv.Close()

	store := organizations.NewMemoryStore()
	svc := organizations.New(store, nil)
	org, err := svc.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	relay := organizations.NewRelay(svc, store, "hooks", &Sender{URL: srv.URL, Key: key},
		&organizations.RelayOptions{PollInterval: 2 * time.Millisecond, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- relay.Run(runCtx) }()
	for i := range 20 {
		_, err := svc.AddUser(ctx, org.ID, organizations.UserID(fmt.Sprint("user-", i)), organizations.RoleMember)
		require.NoError(t, err)
	}
	waitUntil(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return failures >= 3 && dropped >= 3
	})
	require.Empty(t, recv.Events(), "nothing accepted during the outage")
	mu.Lock()
	down = false
	mu.Unlock()
	for i := 20; i < 30; i++ {
		_, err := svc.AddUser(ctx, org.ID, organizations.UserID(fmt.Sprint("user-", i)), organizations.RoleMember)
		require.NoError(t, err)
	}
	want, _, err := svc.EventFeed(ctx, "", 100)
	require.NoError(t, err)
	require.Len(t, want, 31)
	waitUntil(t, func() bool { return len(recv.Events()) == len(want) })
	stop()
	require.NoError(t, <-done)
	got := recv.Events()
	for i := range want {
		require.Equal(t, want[i].ID, got[i].ID, "event %d in feed order", i)
		require.Equal(t, want[i].Type, got[i].Type)
		require.JSONEq(t, string(want[i].Data), string(got[i].Data))
	}
}

// A signature is checked against the exact body, id and timestamp, and the timestamp's
// age.
func TestVerify(t *testing.T) {
	t.Parallel()
	key, err := ParseSecret(demoSecret)
	require.NoError(t, err)
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"id":"x"}`)
	h := http.Header{}
	h.Set("webhook-id", "msg_1")
	h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	h.Set("webhook-signature", "v1,bogus "+Sign(key, "msg_1", now.Unix(), body))
	require.NoError(t, Verify(key, h, body, now, time.Minute))
	require.ErrorIs(t, Verify(key, h, []byte(`{"id":"y"}`), now, time.Minute), ErrBadSignature)
	require.ErrorIs(t, Verify(key, h, body, now.Add(2*time.Minute), time.Minute), ErrBadSignature)
	other, err := ParseSecret("whsec_" + strings.Repeat("QUFB", 8))
	require.NoError(t, err)
	require.ErrorIs(t, Verify(other, h, body, now, time.Minute), ErrBadSignature)
	for _, bad := range []string{"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_!!", "whsec_QUFB"} {
		_, err := ParseSecret(bad)
		require.Error(t, err, "%q", bad)
	}
	// The Standard Webhooks reference vector.
	ref, err := ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	require.NoError(t, err)
	require.Equal(t, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
		Sign(ref, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`)))
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within a minute")
		}
		time.Sleep(2 * time.Millisecond)
	}
}
