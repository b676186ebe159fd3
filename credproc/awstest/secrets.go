package awstest

import "sort"

// Secrets returns every secret the server has issued: secret access keys,
// session tokens and MFA seeds. Tests search what the code under test wrote
// for them, to prove no secret leaked into a file, a log or a message.
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
	sort.Strings(out)
	return out
}
