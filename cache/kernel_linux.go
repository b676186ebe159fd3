package cache

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// kernelSupported says whether NewKernel can work on this OS at all.
const kernelSupported = true

// Key permissions (include/uapi/linux/keyctl.h has no exported names for
// them): the possessor may do anything; any process of the same user, even
// outside this login session (ssh, tmux, sudo -u), may view, read, update,
// find and re-time it, but not link it elsewhere; group and other get
// nothing.
const (
	keyPosAll     = 0x3f000000
	keyUsrView    = 0x00010000
	keyUsrRead    = 0x00020000
	keyUsrWrite   = 0x00040000
	keyUsrSearch  = 0x00080000
	keyUsrSetattr = 0x00200000
	kernelPerm    = keyPosAll | keyUsrView | keyUsrRead | keyUsrWrite | keyUsrSearch | keyUsrSetattr
)

// The payload of each key is a 9-byte header, format byte then the expiry in
// Unix seconds (big endian, 0 for none), then the value. The kernel keeps no
// expiry that a process can read back, and eviction needs it to drop the
// sessions closest to expiring first.
const (
	kernelFormat    = 1
	kernelHeaderLen = 9
	// userKeyMax is the largest payload of a "user" key.
	userKeyMax = 32767
)

// keyOps is the keyctl(2) interface the kernel backend needs, all on the
// user keyring @u; tests swap it to inject errors such as EDQUOT.
type keyOps interface {
	add(desc string, payload []byte) (int, error)
	search(desc string) (int, error)
	read(id int, buf []byte) (int, error)
	setPerm(id int, perm uint32) error
	setTimeout(id int, secs int) error
	invalidate(id int) error
	unlink(id int) error
	describe(id int) (string, error)
	list() ([]int, error)
	ring() error
}

// sysKeyOps is keyOps through golang.org/x/sys/unix. Only the user keyring is
// named, never the thread, process or session keyrings: Go runs goroutines on
// any thread, and those keyrings belong to one thread or one login.
type sysKeyOps struct{}

func (sysKeyOps) add(desc string, payload []byte) (int, error) {
	return unix.AddKey("user", desc, payload, unix.KEY_SPEC_USER_KEYRING)
}

func (sysKeyOps) search(desc string) (int, error) {
	return unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", desc, 0)
}

func (sysKeyOps) read(id int, buf []byte) (int, error) {
	return unix.KeyctlBuffer(unix.KEYCTL_READ, id, buf, 0)
}

func (sysKeyOps) setPerm(id int, perm uint32) error { return unix.KeyctlSetperm(id, perm) }

func (sysKeyOps) setTimeout(id int, secs int) error {
	_, err := unix.KeyctlInt(unix.KEYCTL_SET_TIMEOUT, id, secs, 0, 0)
	return err
}

func (sysKeyOps) invalidate(id int) error {
	_, err := unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0)
	return err
}

func (sysKeyOps) unlink(id int) error {
	_, err := unix.KeyctlInt(unix.KEYCTL_UNLINK, id, unix.KEY_SPEC_USER_KEYRING, 0, 0)
	return err
}

func (sysKeyOps) describe(id int) (string, error) {
	return unix.KeyctlString(unix.KEYCTL_DESCRIBE, id)
}

// list returns the serials linked in @u (KEYCTL_READ of a keyring).
func (o sysKeyOps) list() ([]int, error) {
	buf := make([]byte, 4096)
	for {
		n, err := o.read(unix.KEY_SPEC_USER_KEYRING, buf)
		if err != nil {
			return nil, err
		}
		if n <= len(buf) {
			ids := make([]int, 0, n/4)
			for i := 0; i+4 <= n; i += 4 {
				ids = append(ids, int(int32(binary.NativeEndian.Uint32(buf[i:]))))
			}
			return ids, nil
		}
		buf = make([]byte, n)
	}
}

func (sysKeyOps) ring() error {
	_, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_USER_KEYRING, true)
	return err
}

// kernel is the Linux kernel keyring backend.
type kernel struct {
	prefix string // service + ":"
	ops    keyOps
	now    func() time.Time
}

// NewKernel returns the Linux kernel key retention service as a Backend
// named "kernel", for cached sessions only: it keeps items in kernel memory,
// so they do not survive a reboot, and a read costs two syscalls where a
// Secret Service read takes several D-Bus round trips.
//
// Items are "user" keys in the per-UID user keyring @u, described
// service+":"+key, readable by every process of the user (possessor: all;
// user: view, read, write, search, setattr; group and other: nothing). Use
// SetWithExpiry: the kernel then removes the key when the credentials expire.
//
// Non-root users have a quota of about 200 keys and 20,000 bytes
// (/proc/sys/kernel/keys/maxkeys and maxbytes) shared with every other
// program of the user. When an add fails with EDQUOT or ENOSPC, the backend
// evicts, once, this service's expired keys and then those closest to
// expiring, and retries for up to a quarter second while the kernel returns
// their quota; if that fails too, Set returns the error.
//
// Where keyctl(2) is missing (ENOSYS) or forbidden (EPERM, e.g. Docker's
// default seccomp profile), every call fails with an error matching
// [ErrUnavailable]. On other operating systems NewKernel returns a backend
// that always fails that way.
func NewKernel(service string) ExpiringBackend {
	return &kernel{prefix: service + ":", ops: sysKeyOps{}, now: time.Now}
}

func (k *kernel) Name() string { return kernelName }

func (k *kernel) probe() error { return k.wrap("open @u", k.ops.ring()) }

// wrap names the failed operation and marks a kernel keyring that cannot be
// used at all.
func (k *kernel) wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EPERM):
		return fmt.Errorf("%w: kernel keyring: %s: %w (keyctl blocked by seccomp in a container, or a kernel without CONFIG_KEYS?)", ErrUnavailable, op, err)
	default:
		return fmt.Errorf("kernel keyring: %s: %w", op, err)
	}
}

// maxQuotaWait bounds how long Set waits for evicted keys' quota to come
// back before it gives up.
const maxQuotaWait = 256 * time.Millisecond

// overQuota reports the errors of an add beyond the user's key quota.
func overQuota(err error) bool {
	return errors.Is(err, unix.EDQUOT) || errors.Is(err, unix.ENOSPC)
}

// gone reports the errors of a key that is absent, expired or revoked.
func gone(err error) bool {
	return errors.Is(err, unix.ENOKEY) || errors.Is(err, unix.EKEYEXPIRED) || errors.Is(err, unix.EKEYREVOKED)
}

func (k *kernel) Get(key string) ([]byte, error) {
	id, err := k.ops.search(k.prefix + key)
	if gone(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, k.wrap("search", err)
	}
	payload, err := k.readPayload(id)
	if gone(err) { // expired or removed since the search
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, k.wrap("read", err)
	}
	exp, value, ok := splitPayload(payload)
	// The kernel's timeout is rounded up; the header is not, so a key is
	// not served past the credentials' expiry second.
	if !ok || (exp != 0 && k.now().Unix() >= exp) {
		return nil, ErrNotFound
	}
	return value, nil
}

// readPayload reads a key in one KEYCTL_READ when it fits in 4 KiB (a
// session does), else in two.
func (k *kernel) readPayload(id int) ([]byte, error) {
	buf := make([]byte, 4096)
	for {
		n, err := k.ops.read(id, buf)
		if err != nil {
			return nil, err
		}
		if n <= len(buf) {
			return buf[:n], nil
		}
		buf = make([]byte, n) // the key grew between two reads: try again
	}
}

// splitPayload undoes makePayload; ok is false for a key credproc did not
// write in this format.
func splitPayload(p []byte) (exp int64, value []byte, ok bool) {
	if len(p) < kernelHeaderLen || p[0] != kernelFormat {
		return 0, nil, false
	}
	return int64(binary.BigEndian.Uint64(p[1:kernelHeaderLen])), p[kernelHeaderLen:], true
}

func makePayload(exp time.Time, value []byte) []byte {
	p := make([]byte, kernelHeaderLen, kernelHeaderLen+len(value))
	p[0] = kernelFormat
	if !exp.IsZero() {
		binary.BigEndian.PutUint64(p[1:], uint64(exp.Unix()))
	}
	return append(p, value...)
}

// Set stores value without expiry; sessions should use SetWithExpiry.
func (k *kernel) Set(key string, value []byte) error {
	return k.SetWithExpiry(key, value, time.Time{})
}

func (k *kernel) SetWithExpiry(key string, value []byte, exp time.Time) error {
	secs := 0 // KEYCTL_SET_TIMEOUT's "no timeout"
	if !exp.IsZero() {
		d := exp.Sub(k.now())
		if d <= 0 {
			return k.Delete(key) // already expired: nothing worth keeping
		}
		// Round up, and add one since the kernel counts from the start
		// of the current second, so the key outlives the credentials
		// rather than dropping them early (Get checks the exact expiry);
		// cap to what the syscall takes.
		secs = int(min((d+time.Second-1)/time.Second+1, math.MaxInt32))
	}
	if len(value)+kernelHeaderLen > userKeyMax {
		return fmt.Errorf("kernel keyring: value of %d bytes is over the %d-byte key limit", len(value), userKeyMax-kernelHeaderLen)
	}
	desc := k.prefix + key
	payload := makePayload(exp, value)
	id, err := k.ops.add(desc, payload)
	if overQuota(err) {
		if k.evict(desc, len(desc)+1+len(payload)) > 0 {
			// The kernel's garbage collector gives the quota of
			// unlinked keys back later, from a workqueue: retry until it
			// has, briefly.
			for wait := 2 * time.Millisecond; ; wait *= 2 {
				if id, err = k.ops.add(desc, payload); !overQuota(err) || wait > maxQuotaWait/2 {
					break
				}
				time.Sleep(wait)
			}
		}
		if err != nil {
			return k.wrap("add (quota full even after evicting this service's oldest keys; see /proc/key-users)", err)
		}
	}
	if err != nil {
		return k.wrap("add", err)
	}
	// Adding over an existing key updates it in place, which clears its
	// timeout, so both are set on every write. A new key starts with
	// possessor-only access, so nothing is exposed in between.
	if err := k.ops.setPerm(id, kernelPerm); err != nil {
		_ = k.ops.invalidate(id)
		return k.wrap("setperm", err)
	}
	if err := k.ops.setTimeout(id, secs); err != nil {
		// A key that never expires must not hold expiring credentials.
		_ = k.ops.invalidate(id)
		return k.wrap("set timeout", err)
	}
	return nil
}

func (k *kernel) Delete(key string) error {
	id, err := k.ops.search(k.prefix + key)
	if gone(err) {
		return nil
	}
	if err != nil {
		return k.wrap("search", err)
	}
	return k.remove(id)
}

// remove unlinks id from @u, which destroys it (credproc links its keys
// nowhere else) and gives its quota back at once; a key that is not linked
// there is invalidated instead, which destroys it wherever it is linked.
func (k *kernel) remove(id int) error {
	err := k.ops.unlink(id)
	if err != nil && !gone(err) {
		err = k.ops.invalidate(id)
	}
	if err != nil && !gone(err) {
		return k.wrap("remove", err)
	}
	return nil
}

// kernelKey is one of this service's keys in @u, for eviction.
type kernelKey struct {
	id   int
	desc string
	exp  int64 // Unix seconds, 0 for none
	size int   // quota charge: description, NUL, payload
}

// evict frees room for a key of need quota bytes: the key being replaced
// (desc), this service's expired keys, then its keys closest to expiring
// (the oldest sessions, since sessions last about as long as each other),
// until need bytes and at least one key are freed. It returns how many keys
// it removed. Failures are ignored: the caller's retry tells whether it was
// enough.
func (k *kernel) evict(desc string, need int) int {
	keys := k.ownKeys()
	// The replaced key first, then by expiry, keys without one last.
	slices.SortFunc(keys, func(a, b kernelKey) int {
		if (a.desc == desc) != (b.desc == desc) {
			if a.desc == desc {
				return -1
			}
			return 1
		}
		ea, eb := a.exp, b.exp
		if ea == 0 {
			ea = math.MaxInt64
		}
		if eb == 0 {
			eb = math.MaxInt64
		}
		return cmp.Compare(ea, eb)
	})
	freed, n := k.evictExpired()
	for _, key := range keys {
		if freed >= need && n > 0 {
			break
		}
		if k.remove(key.id) == nil {
			freed += key.size
			n++
		}
	}
	return n
}

// ownKeys lists this service's live keys in @u with their expiry.
func (k *kernel) ownKeys() []kernelKey {
	ids, err := k.ops.list()
	if err != nil {
		return nil
	}
	var keys []kernelKey
	for _, id := range ids {
		// "type;uid;gid;perm;description"
		d, err := k.ops.describe(id)
		if err != nil {
			continue // expired keys cannot be described; see evictExpired
		}
		f := strings.SplitN(d, ";", 5)
		if len(f) != 5 || f[0] != "user" || !strings.HasPrefix(f[4], k.prefix) {
			continue
		}
		p, err := k.readPayload(id)
		if err != nil {
			continue
		}
		exp, _, ok := splitPayload(p)
		if !ok {
			continue // not written by credproc: leave it alone
		}
		keys = append(keys, kernelKey{id: id, desc: f[4], exp: exp, size: len(f[4]) + 1 + len(p)})
	}
	return keys
}

// evictExpired unlinks this service's expired keys, which keep counting
// against the quota until the kernel's garbage collector reaps them (up to
// /proc/sys/kernel/keys/gc_delay, 5 minutes, later). keyctl(2) refuses to
// describe an expired key, so they are found in /proc/keys; where that is
// hidden (Docker masks it) none are found. It returns the quota bytes and
// keys freed.
func (k *kernel) evictExpired() (freed, n int) {
	f, err := os.Open("/proc/keys")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	uid := strconv.Itoa(os.Getuid())
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "0d3a6c3a I--Q---     1 expd 3f2f0000     0     0 user      credproc:session:abc: 1234"
		fs := strings.Fields(sc.Text())
		if len(fs) != 10 || fs[3] != "expd" || fs[5] != uid || fs[7] != "user" || !strings.HasPrefix(fs[8], k.prefix) {
			continue
		}
		id, err1 := strconv.ParseUint(fs[0], 16, 31)
		size, err2 := strconv.Atoi(fs[9])
		if err1 != nil || err2 != nil {
			continue
		}
		if k.ops.unlink(int(id)) == nil {
			freed += len(fs[8]) + size // fs[8] is the description and ':', for its NUL
			n++
		}
	}
	return freed, n
}
