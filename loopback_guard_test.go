package main

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
)

// trap is the proxy every end-to-end child process is pointed at
// (HTTPS_PROXY, HTTP_PROXY), so that a request for any host but loopback
// (NO_PROXY) fails on this machine instead of leaving it: the real AWS CLI
// ignores AWS_ENDPOINT_URL_STS, and a call without --endpoint-url would
// otherwise go to the real STS. It answers every request with 403 and notes
// the host asked for; the world's cleanup fails the test if one came.
type trap struct {
	l     net.Listener
	mu    sync.Mutex
	hosts []string
}

func newTrap(t testing.TB) *trap {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("loopback guard: %v", err)
	}
	tr := &trap{l: l}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go tr.serve(c)
		}
	}()
	return tr
}

func (tr *trap) serve(c net.Conn) {
	defer c.Close()
	line, _ := bufio.NewReader(c).ReadString('\n')
	// "CONNECT host:443 HTTP/1.1" or "GET http://host/path HTTP/1.1".
	if f := strings.Fields(line); len(f) >= 2 {
		tr.mu.Lock()
		tr.hosts = append(tr.hosts, f[0]+" "+f[1])
		tr.mu.Unlock()
	}
	c.Write([]byte("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
}

// env is the guard's part of a child's environment. IMDS is off too: its
// link-local address is not loopback (the tests that serve an IMDS on
// loopback turn it back on).
func (tr *trap) env() []string {
	u := "http://" + tr.l.Addr().String()
	return []string{"HTTPS_PROXY=" + u, "HTTP_PROXY=" + u, "NO_PROXY=127.0.0.1,localhost,::1", "AWS_EC2_METADATA_DISABLED=true"}
}

// close stops the trap and returns the requests it caught.
func (tr *trap) close() []string {
	tr.l.Close()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]string(nil), tr.hosts...)
}
