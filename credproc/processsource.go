package credproc

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/credproc/credproc/internal/awsconfig"
)

// processProvider runs a source profile's own credential_process. The SDK's
// processcreds provider would do it, but it waits for the command's output
// pipe without a limit and kills only the command, not what the command
// started: a helper that leaves a background child holding stdout keeps
// credproc, and the refresh lock with it, until it is killed. This one runs
// the command in its own process group, kills the group at the deadline and
// stops waiting for the pipes shortly after the command exits
// (commandContext, finish).
type processProvider struct {
	profile string
	argv    []string
}

// directProcess reports whether profile keys get their credentials from
// credential_process alone, as the SDK would pick it: no static keys, role,
// SSO, web identity or credential_source comes first.
func directProcess(keys map[string]string) bool {
	if keys["credential_process"] == "" {
		return false
	}
	for _, k := range []string{"aws_access_key_id", "role_arn", "sso_session", "sso_start_url", "web_identity_token_file", "credential_source", "login_session"} {
		if keys[k] != "" {
			return false
		}
	}
	return true
}

func newProcessProvider(profile, line string) (*processProvider, error) {
	argv, err := awsconfig.SplitCommand(line)
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("profile %s: credential_process: %v", profile, err), Err: err}
	}
	if len(argv) == 0 {
		return nil, &Error{Msg: fmt.Sprintf("profile %s: credential_process is empty", profile)}
	}
	return &processProvider{profile: profile, argv: argv}, nil
}

// Retrieve runs the command and reads its credential_process JSON. Its
// stderr is passed through (it may prompt, e.g. for SSO).
func (p *processProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	ctx, cancel := context.WithTimeout(ctx, processTimeout)
	defer cancel()
	what := "profile " + p.profile + " credential_process"
	cmd := commandContext(ctx, p.argv)
	cmd.Stderr = os.Stderr
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := finish(cmd, cmd.Run()); err != nil {
		return aws.Credentials{}, fmt.Errorf("%s: %w", what, err)
	}
	c, err := ParseProcessOutput(out.Bytes())
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("%s: %w", what, err)
	}
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		CanExpire: !c.Expiration.IsZero(), Expires: c.Expiration, Source: "credproc process"}, nil
}
