package pgtest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// EnvBouncerURL names the environment variable that points the tests at a running
// PgBouncer in pool_mode=transaction in front of the test server. Without it, BouncerURL
// starts one of its own with the pgbouncer binary found on the machine.
const EnvBouncerURL = "ORGANIZATIONS_TEST_PGBOUNCER_URL"

// SingleServerConnDB is the database name, on a PgBouncer that BouncerURL started, whose
// pool has one server connection: every client shares it, so that what one client leaves
// on its server connection (a prepared statement) is certain to meet the next client.
const SingleServerConnDB = "single"

var bouncer struct {
	once    sync.Once
	url     string
	err     error
	missing string
	//lint:ignore U1000 kept, never read: its closing at exit stops the bouncer (see watchdog).
	watchdog *os.File
}

// BouncerURL returns the URL of a PgBouncer in pool_mode=transaction in front of the test
// server (URL), starting one on the first call if ORGANIZATIONS_TEST_PGBOUNCER_URL is not
// set. It skips the test when no pgbouncer binary is there (fails under CI=true). The
// bouncer's server connections run with synchronous_commit off, as the test pools do,
// set by its connect_query: PgBouncer refuses the startup parameter pgtest's own pools
// send, so pools to it must be made with BouncerPool.
func BouncerURL(t testing.TB) string {
	t.Helper()
	server := URL(t)
	bouncer.once.Do(func() {
		if u := os.Getenv(EnvBouncerURL); u != "" {
			bouncer.url = u
			return
		}
		bouncer.url, bouncer.missing, bouncer.err = startBouncer(server)
	})
	needServer(t, bouncer.url, bouncer.missing, bouncer.err)
	return bouncer.url
}

// BouncerDB returns BouncerURL with its database replaced by db (SingleServerConnDB).
func BouncerDB(t testing.TB, db string) string {
	t.Helper()
	u, err := url.Parse(BouncerURL(t))
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	u.Path = "/" + db
	return u.String()
}

// startBouncer starts pgbouncer in front of the server at serverURL, listening on a free
// port of 127.0.0.1, with the same supervisor as the throwaway cluster: it stops when the
// test binary exits.
func startBouncer(serverURL string) (bouncerURL, missing string, err error) {
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/pgbouncer"); serr != nil {
			return "", "pgbouncer not found in PATH nor /usr/sbin (Debian package pgbouncer)", nil
		}
		bin = "/usr/sbin/pgbouncer"
	}
	cfg, err := pgx.ParseConfig(serverURL)
	if err != nil {
		return "", "", err
	}
	port, err := freePort()
	if err != nil {
		return "", "", err
	}
	dir, cred, err := serverDir("pgb")
	if err != nil {
		return "", "", err
	}
	target := fmt.Sprintf("host=%s port=%d", cfg.Host, cfg.Port)
	fast := ` connect_query='SET synchronous_commit = off'`
	ini := fmt.Sprintf(`[databases]
%s = %s dbname=%s pool_size=1%s
* = %s%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
server_reset_query =
logfile = %s
pidfile = %s
`, SingleServerConnDB, target, cfg.Database, fast, target, fast, port,
		filepath.Join(dir, "users.txt"), filepath.Join(dir, "pgbouncer.log"), filepath.Join(dir, "pgbouncer.pid"))
	files := map[string]string{
		"pgbouncer.ini": ini,
		"users.txt":     fmt.Sprintf("%q \"\"\n", cfg.User),
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			os.RemoveAll(dir)
			return "", "", err
		}
		if cred != nil {
			if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				os.RemoveAll(dir)
				return "", "", err
			}
		}
	}
	exited, w, err := supervise(dir, cred, nil, nil, bin, filepath.Join(dir, "pgbouncer.ini"))
	if err != nil {
		os.RemoveAll(dir)
		return "", "", err
	}
	bouncer.watchdog = w
	bouncerURL = fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", url.PathEscape(cfg.User), port, url.PathEscape(cfg.Database))
	if err := waitReady("pgbouncer", bouncerURL, exited, filepath.Join(dir, "pgbouncer.log")); err != nil {
		return "", "", err
	}
	return bouncerURL, "", nil
}

// freePort returns a TCP port of 127.0.0.1 that nothing listened on a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return strconv.Atoi(fmt.Sprint(l.Addr().(*net.TCPAddr).Port))
}

// PoolAt returns a new pool to url (BouncerURL, say), closed when the test ends. Unlike
// Pool it sends no startup parameter of its own, which PgBouncer would refuse.
// configure, if not nil, edits the configuration first.
func PoolAt(t testing.TB, url string, configure func(*pgxpool.Config)) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if configure != nil {
		configure(cfg)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}
