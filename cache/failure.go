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

type failureRecord struct {
	Time    time.Time `json:"time"`
	Message string    `json:"message"`
	Network bool      `json:"network"` // the endpoint could not be reached
}

func (s *Store) failurePath(key string) (string, error) {
	p, err := s.lockPath(key)
	if err != nil {
		return "", err
	}
	return p[:len(p)-len(".lock")] + ".failed", nil
}

// RecordFailure notes that the refresh of key failed with msg, now;
// network says the endpoint could not be reached. Call it while holding
// key's lock.
func (s *Store) RecordFailure(key, msg string, network bool) error {
	path, err := s.failurePath(key)
	if err != nil {
		return err
	}
	b, err := json.Marshal(failureRecord{Time: time.Now().UTC(), Message: msg, Network: network})
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
func (s *Store) LastFailure(key string, since time.Time) (msg string, network, ok bool) {
	path, err := s.failurePath(key)
	if err != nil {
		return "", false, false
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 64<<10 {
		return "", false, false
	}
	var r failureRecord
	if json.Unmarshal(b, &r) != nil || r.Time.Before(since) || r.Message == "" {
		return "", false, false
	}
	return r.Message, r.Network, true
}
