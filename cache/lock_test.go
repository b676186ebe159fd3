package cache

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLockMutualExclusion(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	var inside, total atomic.Int32
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for range 5 {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				unlock, err := s.Lock(ctx, "abc", nil)
				cancel()
				if err != nil {
					t.Error(err)
					return
				}
				if n := inside.Add(1); n != 1 {
					t.Errorf("%d holders at once", n)
				}
				total.Add(1)
				time.Sleep(2 * time.Millisecond)
				inside.Add(-1)
				unlock()
				unlock() // idempotent
			}
		})
	}
	wg.Wait()
	if total.Load() != 10 {
		t.Errorf("%d acquisitions, want 10", total.Load())
	}
}

func TestLockTimeout(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	unlock, err := s.Lock(t.Context(), "abc", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := s.Lock(ctx, "abc", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Lock = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timed out after %v", d)
	}
	// Other keys are independent.
	u2, err := s.Lock(ctx2(t), "other", nil)
	if err != nil {
		t.Fatalf("Lock of another key: %v", err)
	}
	u2()
}

// lockPathT is key's lock file in s, for the tests of the path-level
// lock functions.
func lockPathT(t *testing.T, s *Store, key string) string {
	t.Helper()
	path, err := s.lockPath(key)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// TestWaitersWakeTogether: waiters whose done reports the work done neither
// take the lock nor return while it is held, and one release lets every one
// of them go, each with a nil unlock.
func TestWaitersWakeTogether(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	path := lockPathT(t, s, "abc")
	unlock, ok, err := tryLock(path)
	if err != nil || !ok {
		t.Fatalf("tryLock = %v, %v", ok, err)
	}
	if _, ok, err := tryLock(path); err != nil || ok {
		t.Fatalf("second tryLock of a held lock = %v, %v; want false", ok, err)
	}
	const waiters = 16
	var released atomic.Bool
	done := make(chan error, waiters)
	for range waiters {
		go func() {
			u, err := s.Lock(ctx2(t), "abc", func() bool { return true })
			switch {
			case err == nil && !released.Load():
				err = errors.New("Lock returned while the lock was held")
			case err == nil && u != nil:
				u()
				err = errors.New("a waiter whose work was done took the lock")
			}
			done <- err
		}()
	}
	time.Sleep(100 * time.Millisecond) // give every waiter time to block
	released.Store(true)
	unlock()
	for range waiters {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	// The waiters took nothing: the lock is free.
	u, ok, err := tryLock(path)
	if err != nil || !ok {
		t.Fatalf("tryLock after the waiters = %v, %v", ok, err)
	}
	u()
}

func TestWaitReleasedTimeout(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	path := lockPathT(t, s, "abc")
	unlock, ok, err := tryLock(path)
	if err != nil || !ok {
		t.Fatalf("tryLock = %v, %v", ok, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := waitReleased(ctx, path); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waitReleased = %v, want DeadlineExceeded", err)
	}
	unlock()
	// The abandoned wait lets go once it gets the shared lock, so the lock
	// can be taken again.
	u, err := s.Lock(ctx2(t), "abc", nil)
	if err != nil {
		t.Fatalf("Lock after an abandoned wait: %v", err)
	}
	u()
}

func ctx2(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestLockInvalidKey(t *testing.T) {
	t.Parallel()
	s, dir := newTestStore(t)
	for _, k := range []string{"", "..", "../x", "a/b", `a\b`, "a b", "ü"} {
		if _, err := s.Lock(t.Context(), k, nil); err == nil {
			t.Errorf("Lock(%q) accepted", k)
		}
		if _, err := s.lockPath(k); err == nil {
			t.Errorf("lockPath(%q) accepted", k)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("invalid keys created files: %v", err)
	}
}

const helperEnv = "CREDPROC_CACHE_TEST_HELPER"

// TestHelperProcess is not a test: TestLockReleasedOnKill runs the test
// binary as a child that takes a lock and hangs until killed.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "lock" {
		return
	}
	unlock, err := openSingle(NewMemory(), os.Getenv("CREDPROC_CACHE_TEST_DIR")).Lock(context.Background(), "held", nil)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	defer unlock()
	fmt.Println("locked")
	time.Sleep(time.Minute) // the parent kills us long before
	os.Exit(2)
}

// TestLockReleasedOnKill shows why Lock needs no stale-lock handling: the
// kernel drops the lock of a process killed with SIGKILL.
func TestLockReleasedOnKill(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("needs POSIX processes and signals")
	}
	t.Parallel()
	s, dir := newTestStore(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"=lock", "CREDPROC_CACHE_TEST_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		line <- l
	}()
	select {
	case l := <-line:
		if l != "locked\n" {
			t.Fatalf("child said %q", l)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("child did not take the lock")
	}

	ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
	defer cancel()
	if _, err := s.Lock(ctx, "held", nil); err == nil {
		t.Fatal("got the lock while the child holds it")
	}

	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred unlock runs
		t.Fatal(err)
	}
	cmd.Wait()
	start := time.Now()
	unlock, err := s.Lock(ctx2(t), "held", nil)
	if err != nil {
		t.Fatalf("lock of a killed holder not released: %v", err)
	}
	unlock()
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("took %v to get the lock after the kill", d)
	}
}
