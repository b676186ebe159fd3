package awstest

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults: the misbehaviour of real networks and real AWS endpoints, for
// testing that a client ends every call in bounded time with a clear
// message. A fault replaces the server's answer to one request:
//
//	s.InjectFaults("AssumeRole", awstest.FaultThrottle, awstest.FaultThrottle)
//	s.SetOutage("", awstest.FaultHang) // every request hangs until ClearFaults
//
// InjectFaults queues faults for the next requests naming action (""
// matches every request), one fault per request, in order; SetOutage makes
// every such request fail until ClearFaults. Faulted requests count in
// Requests and in the log (with ErrorCode "fault:NAME"), not in Calls.
// A TLS server (NewTLSServer) whose certificate the client does not trust
// is the bad-TLS case: see CACertPEM.

// Fault is one way of not serving a request.
type Fault struct {
	name string
	skew time.Duration
}

// String is the fault's name, as the log shows it.
func (f Fault) String() string { return f.name }

var (
	// Fault500 answers HTTP 500 InternalFailure, as an AWS service in
	// trouble does.
	Fault500 = Fault{name: "500"}
	// FaultThrottle answers HTTP 400 Throttling ("Rate exceeded").
	FaultThrottle = Fault{name: "throttle"}
	// FaultHang reads the request and never answers, until the client
	// gives up or the server closes (a blackhole behind a load balancer,
	// a captive portal, a half-open VPN).
	FaultHang = Fault{name: "hang"}
	// FaultReset resets the connection (TCP RST) without an answer.
	FaultReset = Fault{name: "reset"}
	// FaultDrop closes the connection without an answer (EOF), as a load
	// balancer that drops an idle or overloaded connection does.
	FaultDrop = Fault{name: "drop"}
	// FaultGarbage answers 200 with a body that is no AWS reply.
	FaultGarbage = Fault{name: "garbage"}
	// FaultPartial sends the headers and half of a 200 reply's body, then
	// closes the connection.
	FaultPartial = Fault{name: "partial"}
)

// FaultClockSkew serves the request with the server's clock moved by d, so
// a signature made with the client's clock is refused as skewed
// (SignatureDoesNotMatch, with the server's Date) as AWS refuses it.
func FaultClockSkew(d time.Duration) Fault { return Fault{name: "skew", skew: d} }

type faultState struct {
	mu     sync.Mutex
	queue  map[string][]Fault
	outage map[string]Fault
}

// InjectFaults queues faults for the next requests naming action
// ("AssumeRole", "GetRoleCredentials"; "" for any request).
func (s *Server) InjectFaults(action string, faults ...Fault) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if s.faults.queue == nil {
		s.faults.queue = map[string][]Fault{}
	}
	s.faults.queue[action] = append(s.faults.queue[action], faults...)
}

// SetOutage makes every request naming action ("" for any) fail with f
// until ClearFaults.
func (s *Server) SetOutage(action string, f Fault) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if s.faults.outage == nil {
		s.faults.outage = map[string]Fault{}
	}
	s.faults.outage[action] = f
}

// ClearFaults drops queued faults and ends outages.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.queue, s.faults.outage = nil, nil
}

// Requests is how many HTTP requests reached the server, faulted or not,
// since it started.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// requestAction names the operation of r without authenticating it: the
// query protocol's Action, the JSON protocol's X-Amz-Target operation, or
// the SSO portal's and federation endpoint's own.
func requestAction(r *http.Request, body []byte) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		return t[strings.LastIndexByte(t, '.')+1:]
	}
	if r.URL.Path == ssoCredentialsPath {
		return "GetRoleCredentials"
	}
	if v, err := url.ParseQuery(string(body)); err == nil && v.Get("Action") != "" {
		return v.Get("Action")
	}
	return r.URL.Query().Get("Action")
}

// nextFault pops the fault for a request naming action, if any.
func (s *Server) nextFault(action string) (Fault, bool) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	for _, a := range []string{action, ""} {
		if q := s.faults.queue[a]; len(q) > 0 {
			s.faults.queue[a] = q[1:]
			return q[0], true
		}
	}
	for _, a := range []string{action, ""} {
		if f, ok := s.faults.outage[a]; ok {
			return f, true
		}
	}
	return Fault{}, false
}

// applyFault serves r with a fault if one is due; it reports whether it
// did. A clock-skew fault only moves the clock: the request is then served.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request) (handled bool, skew time.Duration) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	r.Body = io.NopCloser(bytes.NewReader(body))
	action := requestAction(r, body)
	f, ok := s.nextFault(action)
	if !ok {
		return false, 0
	}
	if f.name == "skew" {
		return false, f.skew
	}
	s.mu.Lock()
	s.log = append(s.log, Call{Action: action, ErrorCode: "fault:" + f.name, UserAgent: r.UserAgent()})
	s.mu.Unlock()
	query := func(status int, code, msg string) {
		b := []byte(`<ErrorResponse><Error><Type>Receiver</Type><Code>` + code + `</Code><Message>` + msg + `</Message></Error><RequestId>` + newRequestID() + `</RequestId></ErrorResponse>`)
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(status)
		w.Write(b)
	}
	switch f.name {
	case "500":
		query(http.StatusInternalServerError, "InternalFailure", "An internal error occurred.")
	case "throttle":
		query(http.StatusBadRequest, "Throttling", "Rate exceeded")
	case "hang":
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
	case "reset", "drop":
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return true, 0
		}
		if tc, ok := conn.(*net.TCPConn); ok && f.name == "reset" {
			tc.SetLinger(0) // close with RST
		}
		conn.Close()
	case "garbage":
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "\x00\x01<<not an AWS reply>>\xff")
	case "partial":
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return true, 0
		}
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 400\r\n\r\n<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA")
		buf.Flush()
		conn.Close()
	}
	return true, 0
}

func readAllLimited(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	restoreBody(r, b)
	return b, err
}

func restoreBody(r *http.Request, b []byte) { r.Body = io.NopCloser(bytes.NewReader(b)) }
