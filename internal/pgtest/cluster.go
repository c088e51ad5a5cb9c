package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// watchdog keeps the write end of the pipe that is the cluster's supervisor's standard
// input. It is never closed or collected: when the test binary exits, however it exits,
// the kernel closes it, the supervisor reads end of file, stops the server and removes
// its directory. No TestMain is needed. Nothing reads it: it is there to be kept (an
// unreachable *os.File would be closed by its finalizer, stopping the cluster early).
//
//lint:ignore U1000 written once and never read on purpose: see above.
var watchdog *os.File

// supervisor runs as the cluster's owner: it starts the server (arguments "$@"), waits
// for its standard input to close, then stops the server fast and removes its directory.
const supervisor = `"$@" & pid=$!
read -r _
kill -INT "$pid" 2>/dev/null
wait "$pid"
rm -rf "$PGTEST_DIR"`

// startCluster starts a throwaway cluster: initdb into a temporary directory, then the
// server listening only on a Unix socket in that directory (no TCP port, so no clash with
// any other server), with fsync off and minimal WAL. It returns the URL; or, if there
// are no binaries, why not (missing); or err if they are there and fail.
func startCluster() (url, missing string, err error) {
	bin := findBinaries()
	if bin == "" {
		return "", "initdb and postgres not found in PATH nor under /usr/lib/postgresql/*/bin", nil
	}
	dir, cred, err := serverDir("pgt")
	if err != nil {
		return "", "", err
	}
	data := filepath.Join(dir, "data")
	if err := initDB(bin, dir, data, cred); err != nil {
		return "", "", err
	}
	url = "postgres://postgres@/postgres?host=" + dir + "&port=5432&sslmode=disable"
	w, err := startServer(bin, dir, cred, url, append([]string{"-D", data, "-k", dir, "-p", "5432",
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=300", "-c", "shared_buffers=128MB"},
		append(planSettings(), walSettings()...)...))
	watchdog = w
	if err != nil {
		return "", "", err
	}
	return url, "", nil
}

// planSettings returns the server settings ("-c" arguments) of the throwaway servers'
// plans: plan_cache_mode force_generic_plan, so that each session plans a statement of
// the store's functions once, rather than afresh at each of its first five calls
// (custom plans) and then once more, generic. A test's sessions call each function of
// each schema a few times only, so that planning was about a fifth of the servers' CPU
// time in the conformance runs; with the plans made once it is 15 to 20 per cent less.
// And jit off: only the million-row loads cost enough for the planner to compile them,
// and compiling was about a tenth of those tests' CPU time (49 and 52 CPU seconds with
// it, 45 and 46 without, on 2 cores). Plans change how fast a statement runs, never
// what it returns. Production's default (auto) still runs in CI: a pool that sets
// plan_cache_mode = auto for its sessions (PlanCacheAuto) runs the conformance suite so
// in the heavy tier, and store_postgres_explain_test.go checks both kinds of plan on its
// own, at a million rows. Benchmarks (-test.bench) keep the server's default: they
// measure what production runs.
func planSettings() []string {
	if benchmarking(os.Args[1:]) {
		return nil
	}
	return []string{"-c", "plan_cache_mode=force_generic_plan", "-c", "jit=off"}
}

// walSettings returns the WAL settings of the main throwaway server: minimal WAL, so
// that an index built, or a table made and filled in one transaction (the million-row
// loads, every migration), writes no WAL for its rows. Nothing streams from that server
// (the read-replica tests have a pair of their own: standby.go). Benchmarks keep the
// server's default (replica), as production runs.
func walSettings() []string {
	if benchmarking(os.Args[1:]) {
		return nil
	}
	return []string{"-c", "wal_level=minimal", "-c", "max_wal_senders=0"}
}

// PlanCacheAuto sets a pool's sessions to production's plan_cache_mode (auto), which
// the throwaway servers replace by force_generic_plan (see planSettings): for a test
// that must run the statements under custom plans too. It is a pgtest.Pool configure
// function, or a part of one.
func PlanCacheAuto(c *pgxpool.Config) {
	c.ConnConfig.RuntimeParams["plan_cache_mode"] = "auto"
}

// benchmarking reports whether args, a test binary's, ask for benchmarks: a non-empty
// -test.bench. It reads the arguments, not the flag, because the servers start in
// TestMain before the testing package parses its flags.
func benchmarking(args []string) bool {
	for i, a := range args {
		a = strings.TrimPrefix(a, "-")
		switch {
		case a == "-test.bench" || a == "test.bench":
			return i+1 < len(args) && args[i+1] != ""
		case strings.HasPrefix(a, "test.bench="), strings.HasPrefix(a, "-test.bench="):
			return !strings.HasSuffix(a, "=")
		}
	}
	return false
}

// serverDir makes a temporary directory for a server (or a pooler) and gives it to the
// user the server runs as (owner), returning that user's credential (nil: this one).
func serverDir(prefix string) (string, *syscall.Credential, error) {
	dir, err := os.MkdirTemp("", prefix) // short: a socket path has at most 107 bytes
	if err != nil {
		return "", nil, err
	}
	cred, err := owner(dir)
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return dir, cred, nil
}

// initDB makes a cluster in data, under dir, as cred: a copy of the machine's template
// (initdbTemplate), or else what initdb makes. It removes dir if both fail.
func initDB(bin, dir, data string, cred *syscall.Credential) error {
	if template, err := initdbTemplate(bin); err == nil {
		if copyErr := asUser(cred, "cp", "-a", template, data); copyErr == nil {
			return nil
		}
		os.RemoveAll(data)
	}
	if err := runInitDB(bin, data, cred); err != nil {
		os.RemoveAll(dir)
		return err
	}
	return nil
}

// initdbArgs are the arguments of every initdb that pgtest runs, after -D.
var initdbArgs = []string{"-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"}

// runInitDB runs initdb as cred to make a cluster in data.
func runInitDB(bin, data string, cred *syscall.Credential) error {
	initdb := exec.Command(filepath.Join(bin, "initdb"), append([]string{"-D", data}, initdbArgs...)...)
	initdb.Env = append(os.Environ(), "LC_ALL=C")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v\n%s", err, out)
	}
	return nil
}

// initdbTemplate returns the data directory of a cluster that initdb made once for this
// machine's binaries in bin and this user (as root: the postgres user), under the
// temporary directory, making it on the first call of any test binary: copying it
// (cp -a) costs about a third of the CPU time of an initdb, which every throwaway server
// of every test binary ran before (about 1.2 CPU seconds each; a `go test ./...` starts
// several). Its name holds a hash of the binaries' path, size and time and initdb's
// arguments, so that other PostgreSQL binaries get a template of their own. Test binaries
// that make it at once each make their own and rename it into place; the first wins. It
// stays for the next run, as Go's build cache does (about 40 MB; remove
// /tmp/pgtest-initdb-* to drop it). A template that the server's user does not own, or
// that others may write, is not used: the temporary directory is shared, and a data
// directory's configuration runs commands.
func initdbTemplate(bin string) (string, error) {
	postgres, err := os.Stat(filepath.Join(bin, "postgres"))
	if err != nil {
		return "", err
	}
	key := sha256.Sum256([]byte(fmt.Sprint(bin, postgres.Size(), postgres.ModTime().UnixNano(), initdbArgs, os.Geteuid())))
	final := filepath.Join(os.TempDir(), "pgtest-initdb-"+hex.EncodeToString(key[:8]))
	if err := ownTemplate(final); err == nil {
		return filepath.Join(final, "data"), nil
	}
	dir, cred, err := serverDir("pgtest-initdb-new-")
	if err != nil {
		return "", err
	}
	if err := runInitDB(bin, filepath.Join(dir, "data"), cred); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	if err := os.Rename(dir, final); err != nil {
		os.RemoveAll(dir) // another test binary's is in place
	}
	if err := ownTemplate(final); err != nil {
		return "", err
	}
	return filepath.Join(final, "data"), nil
}

// ownTemplate returns nil if dir is a complete template (its data directory holds
// PG_VERSION) that the server's user owns and no one else may write, dir and data
// directory alike.
func ownTemplate(dir string) error {
	uid := os.Geteuid()
	if uid == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return err
		}
		if uid, err = strconv.Atoi(u.Uid); err != nil {
			return err
		}
	}
	for _, path := range []string{dir, filepath.Join(dir, "data"), filepath.Join(dir, "data", "PG_VERSION")} {
		info, err := os.Lstat(path)
		if err != nil {
			return err
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok || int(st.Uid) != uid || info.Mode().Perm()&0o022 != 0 || info.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("pgtest: %s is not the server user's own", path)
		}
	}
	return nil
}

// asUser runs the command name with args as cred (nil: this user).
func asUser(cred *syscall.Credential, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v\n%s", name, err, out)
	}
	return nil
}

// startServer starts postgres with args as cred under a supervisor that removes dir when
// the test binary exits, logging to dir/server.log, and waits until url answers. It
// returns the supervisor's watchdog (see supervise), which the caller keeps, also when
// the server did not answer.
func startServer(bin, dir string, cred *syscall.Credential, url string, args []string) (*os.File, error) {
	logPath := filepath.Join(dir, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer logFile.Close()
	if cred != nil {
		if err := logFile.Chown(int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	exited, w, err := supervise(dir, cred, logFile, []string{"LC_ALL=C"}, append([]string{filepath.Join(bin, "postgres")}, args...)...)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return w, waitReady("postgres", url, exited, logPath)
}

// waitReady waits up to a minute until a connection to url answers a ping, or until the
// process that serves it (name) has exited, in which case the error holds its log.
func waitReady(name, url string, exited <-chan struct{}, logPath string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, url)
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("%s exited at start: %v\n%s", name, err, log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("%s not ready after 60s: %v\n%s", name, err, log)
		}
	}
}

// supervise starts args (a server in the foreground) as cred under the supervisor, with
// PGTEST_DIR=dir and env added to the environment and out as its output, in a process
// group of its own, so that ^C on go test reaches the supervisor only through the pipe:
// the server is stopped once, in order. It returns a channel closed when the supervisor
// exits, and the pipe's write end, to keep (see watchdog).
func supervise(dir string, cred *syscall.Credential, out *os.File, env []string, args ...string) (<-chan struct{}, *os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	cmd := exec.Command("/bin/sh", append([]string{"-c", supervisor, "sh"}, args...)...)
	cmd.Env = append(append(os.Environ(), env...), "PGTEST_DIR="+dir)
	cmd.Stdin = r
	if out != nil {
		cmd.Stdout, cmd.Stderr = out, out
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, nil, err
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	return exited, w, nil
}

// owner makes dir belong to the user the cluster runs as, and returns that user's
// credential: the postgres user when running as root (initdb refuses root), else nil
// (the current user).
func owner(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("running as root, and there is no postgres user to run initdb as")
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, err
	}
	if err := os.Chown(dir, int(uid), int(gid)); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// findBinaries returns the directory holding initdb and postgres: from PATH, else the
// newest Debian-style /usr/lib/postgresql/N/bin, else "".
func findBinaries() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, dir := range dirs {
		_, e1 := os.Stat(filepath.Join(dir, "initdb"))
		_, e2 := os.Stat(filepath.Join(dir, "postgres"))
		if e1 == nil && e2 == nil {
			return dir
		}
	}
	return ""
}

// version is N of /usr/lib/postgresql/N/bin (0 if not a number).
func version(binDir string) int {
	n, _ := strconv.Atoi(strings.Split(filepath.Base(filepath.Dir(binDir)), ".")[0])
	return n
}
