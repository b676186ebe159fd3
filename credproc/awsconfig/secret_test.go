package awsconfig

import (
	"strings"
	"testing"
)

// TestParseErrorsHideLineText: a malformed line in the credentials file
// may hold a secret key, and the error goes to stderr.
func TestParseErrorsHideLineText(t *testing.T) {
	const secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
	for _, text := range []string{
		"[x]\naws_secret_access_key " + secret + "\n",
		"[x]\n= " + secret + "\n",
		secret + "\n[x]\n",
		"[x]\nk = v\n  " + secret + "\n",
	} {
		p := writeFile(t, "credentials", text, 0o600)
		_, err := Load(p, Credentials)
		if err == nil {
			t.Fatalf("%q loaded", text)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error quotes the secret: %v", err)
		}
	}
}
