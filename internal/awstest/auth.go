package awstest

import (
	"crypto/subtle"
	"net/http"
)

// errInvalidToken is AWS's answer for unknown, inactive or mismatched
// credentials; it does not say which.
func errInvalidToken() *apiError {
	return errorf(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
}

// authenticate identifies the caller of req from its access key, session
// token and SigV4 signature, and sets req.caller and req.key.
func (s *Server) authenticate(req *request) *apiError {
	k := s.keys[req.auth.accessKeyID]
	if k == nil || !k.active || req.now.Before(k.usableFrom) {
		return errInvalidToken()
	}
	tokens := req.http.Header.Values("X-Amz-Security-Token")
	if k.token == "" {
		// A session token sent with a long-lived key is a client bug
		// (stale environment); AWS rejects the request.
		if len(tokens) > 0 {
			return errInvalidToken()
		}
	} else {
		if len(tokens) != 1 || subtle.ConstantTimeCompare([]byte(tokens[0]), []byte(k.token)) != 1 {
			return errInvalidToken()
		}
		if !req.now.Before(k.expires) {
			return errorf(http.StatusBadRequest, "ExpiredToken", "The security token included in the request is expired")
		}
	}
	if e := verifySignature(req, k.secret); e != nil {
		return e
	}
	caller := k.caller
	req.caller, req.key = &caller, k
	return nil
}
