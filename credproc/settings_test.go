package credproc

import (
	"encoding/json"
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, args ...string) (*Settings, error) {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var s Settings
	s.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return &s, err
	}
	return &s, s.CheckPartition()
}

func TestArgsRoundTrip(t *testing.T) {
	in := []string{"--source", "mgmt", "--role-arn", "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole",
		"--session-name", "alice", "--external-id", "ext-123", "--duration", "2h", "--mfa-serial", "arn:aws:iam::111111111111:mfa/alice",
		"--mfa-process", "oathtool --totp -b X", "--mfa-duration", "8h", "--mfa-direct", "--region", "eu-west-1",
		"--endpoint-url", "http://127.0.0.1:1", "--refresh-window", "20m"}
	s, err := parse(t, in...)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Args(); !reflect.DeepEqual(got, in) {
		t.Fatalf("Args() =\n%q\nwant\n%q", got, in)
	}
	d, _ := parse(t, "--source", "x")
	if got := d.Args(); !reflect.DeepEqual(got, []string{"--source", "x"}) {
		t.Fatalf("defaults leak into the line: %q", got)
	}
}

func TestValidateRejects(t *testing.T) {
	role := "arn:aws:iam::222222222222:role/R"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{}, "no source"},
		{[]string{"--source", "a b"}, "invalid source"},
		{[]string{"--source", "m", "--role-arn", "arn:aws:iam::2222:role/R"}, "invalid role ARN"},
		{[]string{"--source", "m", "--role-arn", "arn:aws:iam::222222222222:user/R"}, "invalid role ARN"},
		{[]string{"--source", "m", "--role-arn", role, "--duration", "5m"}, "15m to 12h"},
		{[]string{"--source", "m", "--role-arn", role, "--duration", "13h"}, "15m to 12h"},
		{[]string{"--source", "m", "--role-arn", role, "--session-name", "x"}, "invalid session name"},
		{[]string{"--source", "m", "--role-arn", role, "--external-id", "a b"}, "invalid external ID"},
		{[]string{"--source", "m", "--role-arn", role, "--mfa-serial", "nope"}, "invalid MFA serial"},
		{[]string{"--source", "m", "--role-arn", role, "--mfa-process", "x"}, "needs --mfa-serial"},
		{[]string{"--source", "m", "--mfa-serial", "arn:aws:iam::111111111111:mfa/a", "--mfa-direct"}, "needs a role"},
		{[]string{"--source", "m", "--role-arn", role, "--region", "cn-north-1"}, "partition"},
		{[]string{"--source", "m", "--role-arn", role, "--region", "Mars"}, "invalid region"},
		{[]string{"--source", "m", "--role-arn", role, "--endpoint-url", "ftp://x"}, "endpoint URL"},
		{[]string{"--source", "m", "--role-arn", role, "--duration", "30m", "--refresh-window", "30m"}, "refresh window"},
	} {
		_, err := parse(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want an error containing %q", c.args, err, c.want)
		}
	}
	if _, err := parse(t, "--source", "m", "--duration", "soon"); err == nil {
		t.Error("--duration soon was accepted")
	}
}

func TestKeysCoverEverythingThatChangesCredentials(t *testing.T) {
	base := []string{"--source", "m", "--role-arn", "arn:aws:iam::222222222222:role/R"}
	b, _ := parse(t, base...)
	seen := map[string]string{b.SessionKey(""): "base"}
	for _, extra := range [][]string{
		{"--session-name", "other"}, {"--external-id", "xx"}, {"--duration", "2h"}, {"--policy", "{}"},
		{"--mfa-serial", "arn:aws:iam::111111111111:mfa/a"}, {"--source", "n"},
	} {
		s, err := parse(t, append(append([]string{}, base...), extra...)...)
		if err != nil {
			t.Fatal(err)
		}
		k := s.SessionKey("")
		if prev, dup := seen[k]; dup {
			t.Errorf("%q has the same key as %s", extra, prev)
		}
		seen[k] = strings.Join(extra, " ")
	}
	if b.SessionKey("http://a") == b.SessionKey("http://b") {
		t.Error("the endpoint does not change the key")
	}
	if again, _ := parse(t, base...); again.SessionKey("") != b.SessionKey("") {
		t.Error("the key is not stable")
	}
}

func TestRoleARNPartition(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1":     "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole",
		"cn-north-1":    "arn:aws-cn:iam::123456789012:role/OrganizationAccountAccessRole",
		"us-gov-west-1": "arn:aws-us-gov:iam::123456789012:role/OrganizationAccountAccessRole",
		"":              "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole",
	} {
		got, err := RoleARN(region, "123456789012", DefaultRoleName)
		if err != nil || got != want {
			t.Errorf("RoleARN(%q) = %q, %v; want %q", region, got, err, want)
		}
	}
	if _, err := RoleARN("", "12345", "R"); err == nil {
		t.Error("a 5-digit account was accepted")
	}
	if _, err := RoleARN("", "123456789012", "bad name"); err == nil {
		t.Error("a role name with a space was accepted")
	}
}

func TestDurationFormat(t *testing.T) {
	for in, want := range map[string]string{"3600": "1h", "90m": "1h30m", "45m": "45m", "1000": "1000", "12h": "12h"} {
		d, err := ParseDuration(in)
		if err != nil || FormatDuration(d) != want {
			t.Errorf("%s → %v %v → %q, want %q", in, d, err, FormatDuration(d), want)
		}
	}
	if d, _ := ParseDuration("1h"); d != time.Hour {
		t.Error("1h")
	}
}

func TestParseProcessOutput(t *testing.T) {
	good := `{"Version":1,"AccessKeyId":"ASIAX","SecretAccessKey":"sek","SessionToken":"tok","Expiration":"2030-01-02T03:04:05Z"}`
	c, err := ParseProcessOutput([]byte(good))
	if err != nil || c.AccessKeyID != "ASIAX" || c.Expiration.Year() != 2030 {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []string{``, `{}`, `{"Version":"1","AccessKeyId":"a","SecretAccessKey":"b"}`,
		`{"Version":2,"AccessKeyId":"a","SecretAccessKey":"b"}`, `{"Version":1,"AccessKeyId":"a"}`,
		`{"Version":1,"AccessKeyId":"a","SecretAccessKey":"sekrit","Expiration":"tomorrow"}`} {
		_, err := ParseProcessOutput([]byte(bad))
		if err == nil {
			t.Errorf("%s was accepted", bad)
		} else if strings.Contains(err.Error(), "sekrit") {
			t.Errorf("error quotes the input: %v", err)
		}
	}
}

func FuzzParseProcessOutput(f *testing.F) {
	f.Add([]byte(`{"Version":1,"AccessKeyId":"ASIAX","SecretAccessKey":"s","SessionToken":"t","Expiration":"2030-01-02T03:04:05Z"}`))
	f.Add([]byte(`{"Version":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseProcessOutput(b)
		if err != nil {
			return
		}
		if c.AccessKeyID == "" || c.SecretAccessKey == "" {
			t.Fatal("accepted output without keys")
		}
		// What credproc prints must read back the same.
		o := NewProcessOutput(c)
		if o.Version != 1 || o.AccessKeyID != c.AccessKeyID {
			t.Fatal("round trip")
		}
	})
}

// FuzzAppendJSONMatchesMarshal: the hand-written output is byte for byte
// what encoding/json writes, for any field values.
func FuzzAppendJSONMatchesMarshal(f *testing.F) {
	f.Add(1, "ASIAX", "s/+=", "tok", "2030-01-02T03:04:05Z")
	f.Add(0, "", "\"\\\b\f\n\r\t\x00\x1f<>&", "\u2028\u2029é😀", "\xff\xfe")
	f.Fuzz(func(t *testing.T, v int, k, s, tok, exp string) {
		o := ProcessOutput{Version: v, AccessKeyID: k, SecretAccessKey: s, SessionToken: tok, Expiration: exp}
		want, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.AppendJSON(nil); string(got) != string(want) {
			t.Fatalf("AppendJSON = %q, json.Marshal = %q", got, want)
		}
	})
}
