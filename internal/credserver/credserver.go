// Package credserver serves credentials to a child process over loopback
// HTTP, in the format the AWS SDKs' container credential provider reads
// from AWS_CONTAINER_CREDENTIALS_FULL_URI with the token in
// AWS_CONTAINER_AUTHORIZATION_TOKEN. Every request is answered through a
// function (credproc's resolver), so a long job gets fresh credentials as
// the old ones near expiry instead of the ones it started with.
package credserver

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/credproc/credproc/cache"
)

// Environment variables the SDKs read.
const (
	EnvFullURI = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
	EnvToken   = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
)

// requestTimeout bounds one request: long enough for an MFA prompt on the
// terminal when the MFA session has run out.
const requestTimeout = 2 * time.Minute

// Server is a running credential endpoint.
type Server struct {
	// URL is the endpoint, http://127.0.0.1:PORT/credentials.
	URL string
	// Token must be sent as the Authorization header of every request.
	Token string
	srv   *http.Server
	done  chan struct{}
}

// Start listens on 127.0.0.1 (a random port) and answers each request
// that carries the token with get's credentials. errorText turns get's
// error into the message the client sees (it must hold no secret).
func Start(get func(context.Context) (cache.Credentials, error), errorText func(error) string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics instead)
	s := &Server{
		URL:   "http://" + ln.Addr().String() + "/credentials",
		Token: hex.EncodeToString(b),
		done:  make(chan struct{}),
	}
	s.srv = &http.Server{
		Handler:           s.handler(ln.Addr().String(), get, errorText),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      requestTimeout + 10*time.Second,
		IdleTimeout:       time.Minute,
	}
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	return s, nil
}

// Env is the environment a child needs to use the server.
func (s *Server) Env() map[string]string {
	return map[string]string{EnvFullURI: s.URL, EnvToken: s.Token}
}

// Close stops listening and ends open connections: the port is closed
// when Close returns.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	return err
}

// document is the container credentials reply.
type document struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
}

type errorDocument struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) handler(host string, get func(context.Context) (cache.Credentials, error), errorText func(error) string) http.Handler {
	token := []byte(s.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only the token holder, and only by the address given (a web
		// page that rebinds a name to 127.0.0.1 sends another Host).
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), token) != 1 {
			writeJSON(w, http.StatusUnauthorized, errorDocument{"AccessDenied", "missing or wrong authorization token"})
			return
		}
		if r.Host != host {
			writeJSON(w, http.StatusForbidden, errorDocument{"AccessDenied", "wrong host"})
			return
		}
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET")
			writeJSON(w, http.StatusMethodNotAllowed, errorDocument{"MethodNotAllowed", "use GET"})
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
		defer cancel()
		c, err := get(ctx)
		if err != nil {
			msg := "could not get credentials"
			if errorText != nil {
				msg = errorText(err)
			}
			status := http.StatusInternalServerError
			if errors.Is(err, context.DeadlineExceeded) {
				status = http.StatusGatewayTimeout
			}
			writeJSON(w, status, errorDocument{"CredentialsUnavailable", msg})
			return
		}
		d := document{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, Token: c.SessionToken}
		if !c.Expiration.IsZero() {
			d.Expiration = c.Expiration.UTC().Format(time.RFC3339)
		}
		writeJSON(w, http.StatusOK, d)
	})
}
