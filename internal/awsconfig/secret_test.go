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

// TestUnclosedQuoteHidesSecret: an unclosed ` or """ before a last
// secret-key line (no trailing newline) made gopkg.in/ini.v1 quote that line
// in its error, and credproc printed it. botocore reads such files, so they
// load; an edit is refused without quoting any line.
func TestUnclosedQuoteHidesSecret(t *testing.T) {
	const secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
	for _, q := range []string{"`", `"""`} {
		for _, text := range []string{
			"[x]\nnote = " + q + "abc\naws_secret_access_key = " + secret,
			"[x]\nk = v\n  " + secret + "\n",
		} {
			p := writeFile(t, "credentials", text, 0o600)
			f, err := Load(p, Credentials)
			if err != nil {
				t.Fatalf("%q: %v", text, err)
			}
			compareWithBotocore(t, p, f)
			mustSet(t, f, "y", []KV{{"region", "r"}}, nil)
			err = f.Save()
			if err == nil {
				t.Fatalf("%q: Save succeeded", text)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error quotes the secret: %v", err)
			}
		}
	}
}
