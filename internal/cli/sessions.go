package cli

import (
	"slices"

	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/awsconfig"
)

// profilesBySession maps each cache key to the config file's profiles that
// use it: their own session, and the MFA session their roles are assumed
// with. A config file that cannot be read maps nothing.
func profilesBySession(r *credproc.Resolver) map[string][]string {
	m := map[string][]string{}
	f, err := awsconfig.Load(awsconfig.ConfigPath(), awsconfig.Config)
	if err != nil {
		return m
	}
	for _, name := range f.ProfileNames() {
		p, _ := f.Profile(name)
		s, err := settingsFromLine(name, p.Keys["credential_process"])
		if err != nil {
			continue
		}
		keys := []string{r.CacheKeyFor(s)}
		if s.RoleARN != "" && s.MFASerial != "" && !s.MFADirect {
			base := *s
			base.RoleARN = ""
			keys = append(keys, r.CacheKeyFor(&base))
		}
		for _, k := range keys {
			if !slices.Contains(m[k], name) {
				m[k] = append(m[k], name)
			}
		}
	}
	return m
}
