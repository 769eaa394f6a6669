// Package pgtest runs a throwaway PostgreSQL server for tests, from the
// binaries of Debian's postgresql package (initdb and postgres, found in
// /usr/lib/postgresql/*/bin or on PATH): a fresh cluster in a temporary
// directory, trusted connections on a free loopback port, fsync off (a crash of the
// server loses nothing, a crash of the machine would). When
// the process runs as root the server runs as the postgres user, which
// PostgreSQL requires.
//
// One server serves a whole test binary (Main in TestMain); each test gets
// a fresh database of its own (DB). The server dies with the test binary,
// even when that is killed. It is used from tests, and by the benchmark
// suite, which asks for a durable server (StartWith).
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rookery-social/rookery/internal/testnet"
)

// RequireEnv names the environment variable that, set to 1, turns the skip
// of tests needing PostgreSQL into a failure when it cannot run (CI sets
// it after installing postgresql).
const RequireEnv = "ROOKERY_REQUIRE_POSTGRES"

// Server is a running throwaway PostgreSQL.
type Server struct {
	bin  string // directory of initdb and postgres
	dir  string // holds data/ and the Unix socket
	port int
	cred *syscall.Credential // nil unless run as root
	opt  Options

	mu   sync.Mutex
	cmd  *exec.Cmd
	exit chan struct{}
	log  bytes.Buffer
	seq  atomic.Int64
}

// Runner runs a test binary's tests: *testing.M, or what Around returns.
type Runner interface{ Run() int }

// Main starts a server for the tests of m, stores it in *srv (nil when
// PostgreSQL cannot run here: the tests needing it then skip, see Need),
// runs the tests, stops the server and exits with the tests' status.
func Main(m *testing.M, srv **Server) { os.Exit(Around(m, srv).Run()) }

// Around returns m with a server around its run, as Main, for a TestMain
// that also needs other set-up (testbin.Main(pgtest.Around(m, &srv), …)).
// It prints one line when it cannot start a server. SIGINT and SIGTERM
// stop the server too.
func Around(m Runner, srv **Server) Runner { return around{m, srv} }

type around struct {
	m   Runner
	srv **Server
}

// skipReason says why the server did not start; read by Need.
var skipReason string

func (a around) Run() int {
	s, err := Start()
	if err != nil {
		skipReason = err.Error()
		fmt.Fprintln(os.Stderr, "pgtest: no PostgreSQL for these tests:", err)
		return a.m.Run()
	}
	*a.srv = s
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		if _, ok := <-sig; ok {
			s.Stop()
			os.Exit(1)
		}
	}()
	defer func() {
		signal.Stop(sig)
		close(sig)
		s.Stop()
	}()
	return a.m.Run()
}

// Need returns srv, or skips the test (fails it under
// ROOKERY_REQUIRE_POSTGRES=1) when there is no server.
func Need(t testing.TB, srv *Server) *Server {
	t.Helper()
	if srv != nil {
		return srv
	}
	msg := "PostgreSQL is not available (apt-get install postgresql): " + skipReason
	if os.Getenv(RequireEnv) == "1" {
		t.Fatal(msg + "; " + RequireEnv + "=1")
	}
	t.Skip(msg)
	return nil
}

// Options vary the server Start makes.
type Options struct {
	// Durable keeps PostgreSQL's default durability (fsync and full page
	// writes on), as a production server runs: for benchmarks. Tests run
	// without it, which is faster and loses nothing unless the machine
	// itself crashes.
	Durable bool
}

// Start initialises a cluster in a new temporary directory and starts a
// server on a free loopback port, as tests want it.
func Start() (*Server, error) { return StartWith(Options{}) }

// StartWith is Start with options.
func StartWith(opt Options) (*Server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, opt: opt}
	if s.cred, err = credential(); err != nil {
		return nil, err
	}
	if s.dir, err = os.MkdirTemp("", "rookery-pg-"); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if err := s.own(s.dir); err != nil {
		s.remove()
		return nil, err
	}
	if err := s.initdb(); err != nil {
		s.remove()
		return nil, err
	}
	if s.port, err = testnet.Find(); err != nil {
		s.remove()
		return nil, err
	}
	if err := s.Resume(); err != nil {
		s.remove()
		return nil, err
	}
	return s, nil
}

// Available reports why no server can be started here (no PostgreSQL
// binaries, or no postgres user to run them as root), or nil.
func Available() error {
	if _, err := findBin(); err != nil {
		return err
	}
	_, err := credential()
	return err
}

// findBin finds the directory of initdb and postgres: on PATH, else the
// newest /usr/lib/postgresql/N/bin.
func findBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("postgres"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("initdb and postgres are neither on PATH nor in /usr/lib/postgresql/*/bin")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// credential returns the postgres user's when running as root.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root and there is no postgres user to run the server as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// own gives path to the user the server runs as.
func (s *Server) own(path string) error {
	if s.cred == nil {
		return nil
	}
	if err := os.Chown(path, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	return nil
}

func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Pdeathsig: syscall.SIGKILL}
	return cmd
}

func (s *Server) initdb() error {
	cmd := s.command("initdb", "-D", s.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	return nil
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

// Resume starts the server (again, after Halt) on its port and waits until
// it accepts connections.
func (s *Server) Resume() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("pgtest: the server is already running")
	}
	args := []string{"-D", s.data(), "-p", strconv.Itoa(s.port), "-k", s.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"}
	if !s.opt.Durable {
		args = append(args, "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "shared_buffers=64MB")
	}
	cmd := s.command("postgres", args...)
	s.log.Reset()
	cmd.Stdout, cmd.Stderr = &s.log, &s.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: starting postgres: %w", err)
	}
	exit := make(chan struct{})
	go func() { cmd.Wait(); close(exit) }()
	s.cmd, s.exit = cmd, exit
	return s.waitReady(exit)
}

// waitReady waits up to 30 seconds for the server to accept connections.
func (s *Server) waitReady(exit chan struct{}) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := pgx.Connect(ctx, s.URL("postgres"))
		cancel()
		if err == nil {
			c.Close(context.Background())
			return nil
		}
		select {
		case <-exit:
			return fmt.Errorf("pgtest: postgres exited at start:\n%s", s.log.String())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgtest: postgres did not accept connections within 30s: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Halt stops the server at once (immediate shutdown, as a crash would;
// clients see their connections drop). Resume starts it again.
func (s *Server) Halt() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-s.exit:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exit
	}
	s.cmd = nil
}

// Stop halts the server and removes its directory.
func (s *Server) Stop() {
	s.Halt()
	s.remove()
}

func (s *Server) remove() { os.RemoveAll(s.dir) }

// URL is the connection URL of database name.
func (s *Server) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, name)
}

// Port is the server's TCP port on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// DB creates a fresh empty database for the test and returns its URL; it
// is dropped when the test ends.
func (s *Server) DB(t testing.TB) string {
	t.Helper()
	dsn, drop, err := s.CreateDB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return dsn
}

// CreateDB creates a fresh empty database and returns its URL and a
// function that drops it.
func (s *Server) CreateDB() (dsn string, drop func(), err error) {
	name := fmt.Sprintf("t%d_%d", os.Getpid(), s.seq.Add(1))
	if err := s.exec("CREATE DATABASE " + name + " TEMPLATE template0"); err != nil {
		return "", nil, fmt.Errorf("pgtest: create database %s: %w", name, err)
	}
	return s.URL(name), func() { s.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") }, nil
}

// QueryInt runs one query returning one integer in the database dsn (one
// of this server's), as the superuser: for measurements the store does not
// offer, such as pg_database_size.
func (s *Server) QueryInt(dsn, sql string) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, fmt.Errorf("pgtest: connect: %w", err)
	}
	defer c.Close(context.Background())
	var v int64
	if err := c.QueryRow(ctx, sql).Scan(&v); err != nil {
		return 0, fmt.Errorf("pgtest: %s: %w", sql, err)
	}
	return v, nil
}

func (s *Server) exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	_, err = c.Exec(ctx, sql)
	return err
}
