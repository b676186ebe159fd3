package awsapi

import (
	"errors"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The retry policy is the one of the SDK's standard retryer, which this
// package used until it had its own (linking it cost every credproc run the
// init of aws-sdk-go-v2 and smithy-go): which failures are worth another
// attempt, and how long to wait before it. retry_test.go checks the
// classification against the SDK's.

// retryableAPIError reports whether AWS's answer e says to try again:
// throttling, a request time-out on AWS's side, 429 and the 5xx statuses
// that mean a passing failure.
func retryableAPIError(e *APIError) bool {
	switch e.Status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	// The SDK's lists, as a switch, not a map, so that they cost no init.
	switch e.Code {
	case "RequestTimeout", "RequestTimeoutException",
		"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
		"TooManyRequestsException", "ProvisionedThroughputExceededException",
		"TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
		"LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
		"EC2ThrottledException":
		return true
	}
	return false
}

// retryableTransportError reports whether a request that got no answer
// (err from the HTTP client or from reading the reply) may succeed if
// sent again: a connection refused, reset or closed, a dial failure, a
// time-out, a temporary DNS failure. A host that does not exist is not.
// The checks and their order are the SDK's, less one for a
// ConnectionError method only smithy-go's own errors have.
func retryableTransportError(err error) bool {
	if err == nil {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return false
		}
		if dnsErr.Temporary() {
			return true
		}
	}
	var urlErr *url.Error
	var opErr *net.OpError
	var temporary interface{ Temporary() bool }
	var timeout interface{ Timeout() bool }
	switch {
	case strings.Contains(err.Error(), "use of closed network connection"),
		strings.Contains(err.Error(), "connection reset"):
		return true
	case errors.As(err, &urlErr):
		// The HTTP client wraps everything in a *url.Error: judge what
		// it wraps.
		return strings.Contains(urlErr.Error(), "connection refused") || retryableTransportError(urlErr.Err)
	case errors.As(err, &opErr):
		return strings.EqualFold(opErr.Op, "dial") || opErr.Temporary() || retryableTransportError(opErr.Err)
	case errors.As(err, &temporary) && temporary.Temporary():
		return true
	case errors.As(err, &timeout) && timeout.Timeout():
		return true
	}
	return false
}

// backoff is the wait after failed attempt n (1, 2, …): a random time
// below 2ⁿ seconds, or maxBackoff once 2ⁿ seconds would exceed it. The
// randomness ("full jitter") keeps concurrent credproc runs that were
// throttled together from retrying together.
func backoff(attempt int) time.Duration {
	ceiling := float64(time.Second) * math.Exp2(float64(attempt))
	if ceiling > float64(maxBackoff) {
		return maxBackoff
	}
	return time.Duration(rand.Float64() * ceiling)
}
