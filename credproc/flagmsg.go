package credproc

import "strings"

// AsTyped rewrites the flag names in msg, an error of the flag package,
// as the user typed them in args: the package always says "-duration",
// also for "--duration".
func AsTyped(msg string, args []string) string {
	for _, a := range args {
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		as := a[:len(a)-len(strings.TrimLeft(a, "-"))] + name
		for _, sep := range []string{":", " "} {
			msg = strings.ReplaceAll(msg, " -"+name+sep, " "+as+sep)
		}
		if strings.HasSuffix(msg, " -"+name) {
			msg = strings.TrimSuffix(msg, "-"+name) + as
		}
	}
	return msg
}
