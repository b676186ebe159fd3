package cache

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"
)

// A failure record is a small file next to a key's lock file,
// <dir>/locks/<key>.failed, that the lock holder writes when its refresh
// fails: the time and the error message, never a secret (credproc's error
// messages hold none). Processes that waited on the lock read it when they
// wake, so a storm during an outage ends with the holder's answer instead
// of every waiter running its own retry chain against a dead endpoint.

// Failure is one failed refresh, as recorded.
type Failure struct {
	Time      time.Time `json:"time"`
	Message   string    `json:"message"`
	Network   bool      `json:"network"`   // the endpoint could not be reached
	Transient bool      `json:"transient"` // unreachable, throttled or a server error: worth a later retry only
}

func (s *Store) failurePath(key string) (string, error) {
	p, err := s.lockPath(key)
	if err != nil {
		return "", err
	}
	return p[:len(p)-len(".lock")] + ".failed", nil
}

// RecordFailure notes that the refresh of key failed as f says, now. Call
// it while holding key's lock.
func (s *Store) RecordFailure(key string, f Failure) error {
	path, err := s.failurePath(key)
	if err != nil {
		return err
	}
	f.Time = time.Now().UTC()
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".failed-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ClearFailure removes key's failure record, after a refresh succeeded.
func (s *Store) ClearFailure(key string) {
	if path, err := s.failurePath(key); err == nil {
		_ = os.Remove(path)
	}
}

// LastFailure returns key's failure record if it was written at or after
// since: the failure of a holder the caller waited for.
func (s *Store) LastFailure(key string, since time.Time) (Failure, bool) {
	path, err := s.failurePath(key)
	if err != nil {
		return Failure{}, false
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 64<<10 {
		return Failure{}, false
	}
	var f Failure
	if json.Unmarshal(b, &f) != nil || f.Time.Before(since) || f.Message == "" {
		return Failure{}, false
	}
	return f, true
}
