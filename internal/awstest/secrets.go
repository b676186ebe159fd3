package awstest

import "sort"

// Secrets returns every secret the server has issued: secret access keys,
// session tokens, MFA seeds and console sign-in tokens. Tests search what
// the code under test wrote for them, to prove no secret leaked into a
// file, a log or a message.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, k := range s.keys {
		out = append(out, k.secret)
		if k.token != "" {
			out = append(out, k.token)
		}
	}
	for _, d := range s.devices {
		out = append(out, d.secret)
	}
	for token := range s.signin {
		out = append(out, token)
	}
	sort.Strings(out)
	return out
}
