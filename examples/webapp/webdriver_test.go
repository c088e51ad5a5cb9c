package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations/internal/pgtest"
)

// A minimal W3C WebDriver client on net/http, enough to drive chromedriver through a few
// pages: https://www.w3.org/TR/webdriver2/.

// webElementKey is the JSON key of an element reference in the WebDriver protocol.
const webElementKey = "element-6066-11e4-a52e-4f735466cecf"

// chromeDriver is a chromedriver process this test started.
type chromeDriver struct {
	base     string
	chromium string
	hc       *http.Client
}

// browsers is the package's one chromedriver and the sessions (each a headless Chromium)
// that browser tests handed back. Starting a Chromium costs about 3 CPU seconds, more
// than most of what a test then does with it: the browser tests take turns (run), each
// taking its browsers from idle, emptied of the last user's cookies, and starting one
// only when none is idle, so that three tests start three Chromiums instead of eight.
// TestMain ends the sessions and chromedriver (stopBrowsers).
var browsers struct {
	run  sync.Mutex // held by the browser test that runs
	once sync.Once
	d    *chromeDriver
	cmd  *exec.Cmd
	log  string // chromedriver's log file
	err  error  // why chromedriver did not start

	mu   sync.Mutex
	idle []string // session IDs, handed back
}

// startChromeDriver waits for the other browser tests to be done with the package's
// chromedriver, then returns it, starting it on a free port on the first call. The
// browser tests are of the heavy tier (pgtest.Heavy): their Chromiums took about 40 CPU
// seconds, a third of the fast tier's, for flows that the HTTP tests of this package
// (flows_test.go, forms_test.go) drive in the fast tier without a browser. It skips the
// test when chromium or chromedriver is missing, except under CI=true, where it fails:
// CI must run the browser tests.
func startChromeDriver(t *testing.T) *chromeDriver {
	t.Helper()
	pgtest.Heavy(t)
	chromium := firstInPath("chromium", "chromium-browser", "google-chrome")
	driver := firstInPath("chromedriver")
	if chromium == "" || driver == "" {
		msg := fmt.Sprintf("browser test needs chromium and chromedriver in PATH (found %q, %q): apt-get install chromium chromium-driver", chromium, driver)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	browsers.run.Lock()
	t.Cleanup(browsers.run.Unlock)
	browsers.once.Do(func() { browsers.d, browsers.err = launchChromeDriver(driver, chromium) })
	require.NoError(t, browsers.err)
	t.Cleanup(func() {
		// Registered before the test's browsers, so run after their cleanups: the log's
		// tail is this test's, as the tests take turns.
		if t.Failed() {
			if log, err := os.ReadFile(browsers.log); err == nil && len(log) > 0 {
				t.Logf("chromedriver log (tail):\n%s", tail(log, 4000))
			}
		}
	})
	return browsers.d
}

// launchChromeDriver starts chromedriver (driver) for chromium on a free port and waits
// until it is ready. stopBrowsers stops it.
func launchChromeDriver(driver, chromium string) (*chromeDriver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir, err := os.MkdirTemp("", "chromedriver")
	if err != nil {
		return nil, err
	}
	browsers.log = filepath.Join(dir, "chromedriver.log")
	cmd := exec.Command(driver, "--port="+strconv.Itoa(port), "--log-path="+browsers.log)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	browsers.cmd = cmd
	d := &chromeDriver{base: "http://127.0.0.1:" + strconv.Itoa(port), chromium: chromium, hc: &http.Client{Timeout: 90 * time.Second}}
	// Wait for readiness: a start-up wait, not an assertion on speed.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		var status struct {
			Ready bool `json:"ready"`
		}
		if err := d.call(ctx, http.MethodGet, "/status", nil, &status); err == nil && status.Ready {
			return d, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("chromedriver did not become ready: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stopBrowsers ends the idle sessions and stops chromedriver, if the tests started it:
// for TestMain, after the tests.
func stopBrowsers() {
	if browsers.cmd == nil {
		return
	}
	for _, id := range browsers.idle {
		_ = browsers.d.call(context.Background(), http.MethodDelete, "/session/"+id, nil, nil)
	}
	browsers.idle = nil
	// Only the process this package started, by its PID.
	_ = browsers.cmd.Process.Kill()
	_ = browsers.cmd.Wait()
	os.RemoveAll(filepath.Dir(browsers.log))
}

func firstInPath(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// webDriverError is the protocol's error object.
type webDriverError struct {
	Status  int
	Code    string `json:"error"`
	Message string `json:"message"`
}

func (e *webDriverError) Error() string {
	return fmt.Sprintf("webdriver %d %s: %s", e.Status, e.Code, e.Message)
}

// call sends one command and decodes the response's "value" into out (if not nil).
func (d *chromeDriver) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, d.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := d.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil {
		return fmt.Errorf("webdriver %s %s: status %d: %w", method, path, res.StatusCode, err)
	}
	if res.StatusCode != http.StatusOK {
		e := &webDriverError{Status: res.StatusCode}
		_ = json.Unmarshal(env.Value, e)
		return e
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(env.Value, out)
}

// browser is one WebDriver session: one headless Chromium with its own profile, so two
// browsers are two users with separate cookies.
type browser struct {
	t  *testing.T
	d  *chromeDriver
	id string
}

// newBrowser returns a browser with no cookies for t, until t ends: an idle session of
// the package's, or a new one. When t ends, the session is emptied of its cookies and
// kept for the next browser test if t passed, and ended otherwise.
func (d *chromeDriver) newBrowser(t *testing.T) *browser {
	t.Helper()
	browsers.mu.Lock()
	var id string
	if n := len(browsers.idle); n > 0 {
		id, browsers.idle = browsers.idle[n-1], browsers.idle[:n-1]
	}
	browsers.mu.Unlock()
	if id == "" {
		id = d.newSession(t)
	}
	b := &browser{t: t, d: d, id: id}
	t.Cleanup(func() {
		if !t.Failed() && d.empty(id) == nil {
			browsers.mu.Lock()
			browsers.idle = append(browsers.idle, id)
			browsers.mu.Unlock()
			return
		}
		_ = d.call(context.Background(), http.MethodDelete, "/session/"+id, nil, nil)
	})
	return b
}

// newSession starts a session: a headless Chromium with a profile of its own, so that
// two browsers are two users with separate cookies.
func (d *chromeDriver) newSession(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp(filepath.Dir(browsers.log), "chromium") // removed by stopBrowsers
	require.NoError(t, err)
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--window-size=1280,1100", "--user-data-dir=" + dir,
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName":        "chrome",
		"pageLoadStrategy":   "normal",
		"goog:chromeOptions": map[string]any{"binary": d.chromium, "args": args},
	}}}
	var s struct {
		SessionID string `json:"sessionId"`
	}
	require.NoError(t, d.call(t.Context(), http.MethodPost, "/session", caps, &s))
	require.NotEmpty(t, s.SessionID)
	// Finding an element waits up to this long for it to appear: pages load after clicks.
	require.NoError(t, d.call(t.Context(), http.MethodPost, "/session/"+s.SessionID+"/timeouts",
		map[string]int{"implicit": 15000, "pageLoad": 60000}, nil))
	return s.SessionID
}

// empty deletes the cookies of session id, on the app's page it is on (every test's app
// is on 127.0.0.1, so that is all of them), checks that none is left, and leaves the
// page for a blank one, ready for another user.
func (d *chromeDriver) empty(id string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.call(ctx, http.MethodDelete, "/session/"+id+"/cookie", nil, nil); err != nil {
		return err
	}
	var left []any
	if err := d.call(ctx, http.MethodGet, "/session/"+id+"/cookie", nil, &left); err != nil {
		return err
	}
	if len(left) > 0 {
		return fmt.Errorf("%d cookies left", len(left))
	}
	return d.call(ctx, http.MethodPost, "/session/"+id+"/url", map[string]string{"url": "about:blank"}, nil)
}

func (b *browser) do(method, path string, body, out any) {
	b.t.Helper()
	require.NoError(b.t, b.d.call(b.t.Context(), method, "/session/"+b.id+path, body, out))
}

func (b *browser) open(url string) {
	b.t.Helper()
	b.do(http.MethodPost, "/url", map[string]string{"url": url}, nil)
}

func (b *browser) find(css string) string {
	b.t.Helper()
	var el map[string]string
	b.do(http.MethodPost, "/element", map[string]string{"using": "css selector", "value": css}, &el)
	require.NotEmpty(b.t, el[webElementKey], "no element %s", css)
	return el[webElementKey]
}

func (b *browser) typeInto(css, text string) {
	b.t.Helper()
	b.onElement(css, http.MethodPost, "/value", map[string]string{"text": text}, nil)
}

func (b *browser) click(css string) {
	b.t.Helper()
	b.onElement(css, http.MethodPost, "/click", map[string]any{}, nil)
}

func (b *browser) text(css string) string {
	b.t.Helper()
	var s string
	b.onElement(css, http.MethodGet, "/text", nil, &s)
	return s
}

func (b *browser) attribute(css, name string) string {
	b.t.Helper()
	var s string
	b.onElement(css, http.MethodGet, "/attribute/"+name, nil, &s)
	return s
}

// onElement finds the element css names and sends it a command. An element can go stale
// between the find and the command while Chromium is still settling a page it just loaded
// (seen on a loaded 2-core machine; see stale); the standard WebDriver remedy is to find
// it again, a bounded number of times.
func (b *browser) onElement(css, method, command string, body, out any) {
	b.t.Helper()
	var err error
	for range 3 {
		err = b.d.call(b.t.Context(), method, "/session/"+b.id+"/element/"+b.find(css)+command, body, out)
		if err == nil || !stale(err) {
			break
		}
	}
	require.NoError(b.t, err, "%s %s%s", method, css, command)
}

// stale reports whether err says that an element found on a page is no longer in it:
// "stale element reference", or, from Chromium's inspector when the page was being
// replaced, "Node with given id does not belong to the document" (seen on a loaded
// 2-core machine, on a #flash read just after a click).
func stale(err error) bool {
	return strings.Contains(err.Error(), "stale element") ||
		strings.Contains(err.Error(), "does not belong to the document")
}

// property returns an element's DOM property, such as an input's value or a button's
// disabled flag, as JSON decodes it.
func (b *browser) property(css, name string) any {
	b.t.Helper()
	var v any
	b.onElement(css, http.MethodGet, "/property/"+name, nil, &v)
	return v
}

// title returns the page's title.
func (b *browser) title() string {
	b.t.Helper()
	var s string
	b.do(http.MethodGet, "/title", nil, &s)
	return s
}

// waitTitle returns the page's title once it is want, or the last title seen after 15 s:
// the page after a click may not have loaded yet, and unlike finding an element, reading
// the title does not wait for it.
func (b *browser) waitTitle(want string) string {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := b.title()
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *browser) source() string {
	b.t.Helper()
	var s string
	b.do(http.MethodGet, "/source", nil, &s)
	return s
}

func (b *browser) currentURL() string {
	b.t.Helper()
	var s string
	b.do(http.MethodGet, "/url", nil, &s)
	return s
}

// screenshot returns the visible page as PNG.
func (b *browser) screenshot() []byte {
	b.t.Helper()
	var s string
	b.do(http.MethodGet, "/screenshot", nil, &s)
	png, err := base64.StdEncoding.DecodeString(s)
	require.NoError(b.t, err)
	return png
}
