package cache

import (
	"crypto/rand"
	"errors"
	"os"
	"runtime"
	"testing"
	"time"
)

// TestSystemKeyringRoundTrip talks to the real Secret Service. Run it locally
// inside a throwaway session bus with an unlocked keyring:
//
//	dbus-run-session -- sh -c 'printf %s pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null; sleep 1; go test ./cache/ -run System -v'
func TestSystemKeyringRoundTrip(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the system keyring test targets the Linux Secret Service")
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must provide a Secret Service")
		}
		t.Skip("DBUS_SESSION_BUS_ADDRESS is unset: no Secret Service to test against")
	}
	b := NewSystemService(ServiceName)
	if b.Name() != "secret-service" {
		t.Errorf("Name = %q", b.Name())
	}
	key := "test:" + rand.Text() // unique, so parallel runs do not collide
	t.Cleanup(func() { b.Delete(key) })

	for _, v := range []string{`{"v":1,"k":"AKIA","s":"first"}`, `{"v":1,"k":"AKIA","s":"second"}`} {
		if err := b.Set(key, []byte(v)); err != nil {
			t.Fatalf("Set: %v", err)
		}
		got, err := b.Get(key)
		if err != nil || string(got) != v {
			t.Fatalf("Get = %q, %v; want %q", got, err, v)
		}
	}
	if err := b.Delete(key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := b.Get(key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete = %v, want ErrNotFound", err)
	}
	if err := b.Delete(key); err != nil {
		t.Fatalf("Delete of absent = %v, want nil", err)
	}

	// The whole Store path over the real keyring.
	s := openSingle(b, t.TempDir())
	skey := "test-" + rand.Text()
	t.Cleanup(func() { s.DeleteSession(skey) })
	if err := s.PutSession(skey, testSess); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	got, ok := s.Session(skey)
	if !ok || !sameSession(got, testSess) {
		t.Fatalf("Session = %+v, %v", got, ok)
	}
	t.Logf("cache hit took %v", time.Since(start))
	if err := s.DeleteSession(skey); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Session(skey); ok {
		t.Fatal("hit after DeleteSession")
	}
}
