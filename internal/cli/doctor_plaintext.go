package cli

import (
	"fmt"
	"strings"

	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/keyimport"
)

// plaintextCheck looks for access keys in plaintext in the AWS files and
// names their profiles, never a value. It is a warning: a key kept there on
// purpose does not make doctor fail.
func plaintextCheck() *credproc.Check {
	cfg, creds, err := keyimport.Load()
	if err != nil {
		return nil // the config step reports unreadable files
	}
	found := keyimport.Scan(cfg, creds)
	if len(found) == 0 {
		return nil
	}
	var long, temp []string
	for _, f := range found {
		where := fmt.Sprintf("%s (%s)", f.Profile, credproc.TildePath(f.Path()))
		if f.Temporary {
			temp = append(temp, where)
		} else {
			long = append(long, where)
		}
	}
	c := &credproc.Check{Step: "plaintext keys", Status: credproc.StatusWarn}
	var parts []string
	if len(long) > 0 {
		parts = append(parts, "long-lived keys in profile "+strings.Join(long, ", "))
		c.Fix = append(c.Fix, "move them into the keyring: `credproc import --all` (or name the profiles)")
	}
	if len(temp) > 0 {
		parts = append(parts, "temporary keys in profile "+strings.Join(temp, ", "))
		c.Fix = append(c.Fix, "delete the temporary ones: `credproc import --remove-temporary`")
	}
	c.Msg = "access keys in plaintext: " + strings.Join(parts, "; ")
	return c
}
