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
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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

// startChromeDriver starts chromedriver on a free port and waits until it is ready. It
// skips the test when chromium or chromedriver is missing, except under CI=true, where it
// fails: CI must run the browser test.
func startChromeDriver(t *testing.T) *chromeDriver {
	t.Helper()
	chromium := firstInPath("chromium", "chromium-browser", "google-chrome")
	driver := firstInPath("chromedriver")
	if chromium == "" || driver == "" {
		msg := fmt.Sprintf("browser test needs chromium and chromedriver in PATH (found %q, %q): apt-get install chromium chromium-driver", chromium, driver)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	port := freePort(t)
	logPath := filepath.Join(t.TempDir(), "chromedriver.log")
	cmd := exec.Command(driver, "--port="+strconv.Itoa(port), "--log-path="+logPath)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		// Only the process this test started, by its PID.
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			if log, err := os.ReadFile(logPath); err == nil && len(log) > 0 {
				t.Logf("chromedriver log (tail):\n%s", tail(log, 4000))
			}
		}
	})
	d := &chromeDriver{base: "http://127.0.0.1:" + strconv.Itoa(port), chromium: chromium, hc: &http.Client{Timeout: 90 * time.Second}}
	// Wait for readiness: a start-up wait, not an assertion on speed.
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	for {
		var status struct {
			Ready bool `json:"ready"`
		}
		if err := d.call(ctx, http.MethodGet, "/status", nil, &status); err == nil && status.Ready {
			return d
		}
		select {
		case <-ctx.Done():
			t.Fatalf("chromedriver did not become ready: %v", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func firstInPath(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
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

func (d *chromeDriver) newBrowser(t *testing.T) *browser {
	t.Helper()
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--window-size=1280,1100", "--user-data-dir=" + t.TempDir(),
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
	b := &browser{t: t, d: d, id: s.SessionID}
	t.Cleanup(func() {
		_ = d.call(context.Background(), http.MethodDelete, "/session/"+b.id, nil, nil)
	})
	// Finding an element waits up to this long for it to appear: pages load after clicks.
	b.do(http.MethodPost, "/timeouts", map[string]int{"implicit": 15000, "pageLoad": 60000}, nil)
	return b
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
// (seen on a loaded 2-core machine); the standard WebDriver remedy is to find it again, a
// bounded number of times.
func (b *browser) onElement(css, method, command string, body, out any) {
	b.t.Helper()
	var err error
	for range 3 {
		err = b.d.call(b.t.Context(), method, "/session/"+b.id+"/element/"+b.find(css)+command, body, out)
		if err == nil || !strings.Contains(err.Error(), "stale element") {
			break
		}
	}
	require.NoError(b.t, err, "%s %s%s", method, css, command)
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
