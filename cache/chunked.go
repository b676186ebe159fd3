package cache

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// A chunked value is stored as parts key#1..key#N, each at most the limit,
// and a head item under key itself holding the manifest
//
//	credproc-chunks:v1:<N>:<total length>:<SHA-256 of the whole value, hex>
//
// Values within the limit are stored unchanged under key, so wrapping an
// existing keyring keeps its items readable. No compact JSON item starts
// with the manifest prefix; a small value that does is chunked anyway (N=1)
// so that a head is never mistaken for a value or the reverse.

const (
	manifestPrefix = "credproc-chunks:"
	manifestV1     = manifestPrefix + "v1:"
	// maxChunks bounds N, so a corrupt head cannot make Get read or Delete
	// remove thousands of items.
	maxChunks = 64
	// maxChunkedLen bounds the total; real entries are a few KiB.
	maxChunkedLen = 1 << 20
	// minChunkLimit keeps room for the head (about 100 bytes) in one item.
	minChunkLimit = 128
)

// manifest is the decoded head of a chunked value.
type manifest struct {
	n   int
	len int
	sum [sha256.Size]byte
}

func (m manifest) encode() []byte {
	return fmt.Appendf(nil, "%s%d:%d:%x", manifestV1, m.n, m.len, m.sum)
}

var errBadManifest = errors.New("cache: malformed chunk manifest")

// decodeManifest parses exactly what encode writes (canonical decimals,
// lowercase hex) and nothing else.
func decodeManifest(data []byte) (manifest, error) {
	rest, ok := bytes.CutPrefix(data, []byte(manifestV1))
	if !ok {
		return manifest{}, errBadManifest
	}
	f := bytes.Split(rest, []byte(":"))
	if len(f) != 3 {
		return manifest{}, errBadManifest
	}
	n, ok1 := parseDecimal(f[0])
	total, ok2 := parseDecimal(f[1])
	if !ok1 || !ok2 || n < 1 || n > maxChunks || total < n || total > maxChunkedLen {
		return manifest{}, errBadManifest
	}
	var m manifest
	m.n, m.len = n, total
	if len(f[2]) != 2*sha256.Size || bytes.ContainsAny(f[2], "ABCDEF") {
		return manifest{}, errBadManifest
	}
	if _, err := hex.Decode(m.sum[:], f[2]); err != nil {
		return manifest{}, errBadManifest
	}
	return m, nil
}

// parseDecimal accepts 1 to 7 digits without a leading zero (or "0").
func parseDecimal(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 7 || (b[0] == '0' && len(b) > 1) {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(string(b))
	return n, err == nil
}

// chunked splits large values over several items of an inner Backend.
type chunked struct {
	b     Backend
	limit int
}

// Chunked wraps b, whose items hold at most limit bytes (Windows Credential
// Manager 2,560, macOS Keychain through go-keyring about 3,000), so that it
// takes values up to 64 items long: a larger value is stored as parts
// key#1..key#N plus a head item under key with a manifest (count, length,
// SHA-256). Values of at most limit bytes are stored unchanged. A limit
// below 128 is raised to 128.
//
// Set writes the parts first and the head last, and Get verifies the length
// and hash of what it reassembles, so a reader racing a writer, or finding
// what a crash left half-written, sees ErrNotFound (a cache miss), never
// garbage. Delete removes the head first, then the parts.
func Chunked(b Backend, limit int) Backend {
	return &chunked{b: b, limit: max(limit, minChunkLimit)}
}

func (c *chunked) Name() string { return c.b.Name() }

func (c *chunked) probe() error { return probe(c.b) }

func partKey(key string, i int) string { return key + "#" + strconv.Itoa(i) }

func (c *chunked) Get(key string) ([]byte, error) {
	head, err := c.b.Get(key)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(head, []byte(manifestPrefix)) {
		return head, nil
	}
	m, err := decodeManifest(head)
	if err != nil {
		return nil, ErrNotFound // a damaged head is a miss, never data
	}
	value := make([]byte, 0, m.len)
	for i := 1; i <= m.n; i++ {
		p, err := c.b.Get(partKey(key, i))
		if err != nil {
			return nil, err // ErrNotFound for a part not (yet) written
		}
		if len(value)+len(p) > m.len {
			return nil, ErrNotFound
		}
		value = append(value, p...)
	}
	sum := sha256.Sum256(value)
	if len(value) != m.len || subtle.ConstantTimeCompare(sum[:], m.sum[:]) != 1 {
		return nil, ErrNotFound // parts of another write, or torn
	}
	return value, nil
}

func (c *chunked) Set(key string, value []byte) error {
	return c.set(key, value, time.Time{})
}

// SetWithExpiry passes exp on to every item when the inner backend can
// expire items; otherwise it is Set.
func (c *chunked) SetWithExpiry(key string, value []byte, exp time.Time) error {
	return c.set(key, value, exp)
}

func (c *chunked) set(key string, value []byte, exp time.Time) error {
	// The old head says how many old parts may need removing afterwards.
	oldN := c.storedParts(key)
	var n int
	if len(value) <= c.limit && !bytes.HasPrefix(value, []byte(manifestPrefix)) {
		if err := setItem(c.b, key, value, exp); err != nil {
			return err
		}
	} else {
		n = (len(value) + c.limit - 1) / c.limit
		if n > maxChunks || len(value) > maxChunkedLen {
			return fmt.Errorf("value of %d bytes is too large for the %s keyring (at most %d items of %d bytes)", len(value), c.b.Name(), maxChunks, c.limit)
		}
		for i := range n {
			part := value[i*c.limit : min((i+1)*c.limit, len(value))]
			if err := setItem(c.b, partKey(key, i+1), part, exp); err != nil {
				return err
			}
		}
		// Head last: until it is written, readers see the old head, which
		// does not match the new parts, so a miss.
		m := manifest{n: n, len: len(value), sum: sha256.Sum256(value)}
		if err := setItem(c.b, key, m.encode(), exp); err != nil {
			return err
		}
	}
	// Parts the new value does not use would otherwise linger with secret
	// fragments in them.
	for i := n + 1; i <= oldN; i++ {
		if err := c.b.Delete(partKey(key, i)); err != nil {
			return err
		}
	}
	return nil
}

// storedParts returns N from the head stored under key, or 0.
func (c *chunked) storedParts(key string) int {
	head, err := c.b.Get(key)
	if err != nil {
		return 0
	}
	m, err := decodeManifest(head)
	if err != nil {
		return 0
	}
	return m.n
}

func (c *chunked) Delete(key string) error {
	n := c.storedParts(key)
	if err := c.b.Delete(key); err != nil {
		return err
	}
	// Then every part the head named, and any beyond it that a torn Set
	// left, up to the first absent one.
	for i := 1; i <= maxChunks; i++ {
		if i > n {
			if _, err := c.b.Get(partKey(key, i)); errors.Is(err, ErrNotFound) {
				return nil
			}
		}
		if err := c.b.Delete(partKey(key, i)); err != nil {
			return err
		}
	}
	return nil
}
