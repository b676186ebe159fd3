package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
)

// The console session lengths the federation endpoint accepts
// (SessionDuration).
const (
	minConsoleDuration = 15 * time.Minute
	maxConsoleDuration = 12 * time.Hour
)

// federationURLEnv overrides the sign-in (federation) endpoint, for tests
// against an emulator.
const federationURLEnv = "CREDPROC_FEDERATION_URL"

// openerWait is how long console waits for the browser opener to fail. An
// opener that starts a new browser may run as long as the browser does.
const openerWait = 5 * time.Second

// consoleEndpoint is where one AWS partition signs in to the console.
type consoleEndpoint struct {
	federation string // the federation endpoint
	console    string // the console's home page, the default destination
}

var consoleEndpoints = map[string]consoleEndpoint{
	"aws":        {"https://signin.aws.amazon.com/federation", "https://console.aws.amazon.com/"},
	"aws-cn":     {"https://signin.amazonaws.cn/federation", "https://console.amazonaws.cn/"},
	"aws-us-gov": {"https://signin.amazonaws-us-gov.com/federation", "https://console.amazonaws-us-gov.com/"},
}

// cmdConsole signs in to the AWS Management Console as the profile's role
// and opens the console in the browser, or prints the sign-in URL.
func cmdConsole(ctx context.Context, u *ui, args []string) error {
	fs := newFlagSet("console")
	profile := fs.String("profile", "", "profile whose role to sign in as (default $AWS_PROFILE)")
	destination := fs.String("destination", "", "console page to open (default: the console home of the role's partition)")
	printURL := fs.Bool("print", false, "print the sign-in URL on stdout instead of opening a browser")
	var duration time.Duration
	fs.Func("duration", "console session length, 15m to 12h (default: AWS's)", func(v string) error {
		d, err := credproc.ParseDuration(v)
		if err != nil {
			return err
		}
		if d < minConsoleDuration || d > maxConsoleDuration || d%time.Second != 0 {
			return fmt.Errorf("invalid console session duration %s: want 15m to 12h, in whole seconds", v)
		}
		duration = d
		return nil
	})
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("console: unexpected argument %q", pos[0])
	}
	if *destination != "" {
		if err := checkDestination(*destination); err != nil {
			return err
		}
	}
	name, err := profileName("console", *profile)
	if err != nil {
		return err
	}
	s, err := loadProfileSettings(name)
	if err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	if s.RoleARN == "" {
		return &credproc.Error{
			Msg:  fmt.Sprintf("profile %s assumes no role: the console sign-in needs role credentials, and %s hands out a session of source %q itself", name, name, s.Source),
			Hint: "use a profile with a role (`credproc setup PROFILE --source " + s.Source + " --account ID`)",
		}
	}
	role, _ := credproc.ParseRoleARN(s.RoleARN) // Validate checked it
	ep, err := federationFor(ctx, role.Partition, s.Region)
	if err != nil {
		return err
	}
	if *destination == "" {
		*destination = ep.console
	}
	federation := ep.federation
	if v := os.Getenv(federationURLEnv); v != "" {
		if err := checkFederationOverride(v); err != nil {
			return err
		}
		federation = v
	}
	hc, err := federationHTTPClient(ctx, s.Region)
	if err != nil {
		return err
	}
	// A role assumed with an MFA session is role chaining, and AWS refuses
	// SessionDuration for role-chained credentials.
	chained := s.MFASerial != "" && !s.MFADirect
	if duration != 0 && chained {
		u.warnf("--duration ignored: AWS takes no console session length for a role assumed with an MFA session (role chaining); add --mfa-direct to the profile for that")
		duration = 0
	}
	c, err := newResolver(u).Credentials(ctx, s)
	if err != nil {
		return err
	}
	if c.SessionToken == "" {
		return &credproc.Error{Msg: fmt.Sprintf("profile %s did not yield a role session, which the console sign-in needs", name)}
	}
	token, err := signinToken(ctx, hc, federation, c, duration)
	if err != nil && duration != 0 && isRejected(err) {
		// A source that already holds temporary credentials (SSO, say)
		// makes the role chained too, which credproc cannot see from the
		// settings: ask again without the session length.
		if token, err = signinToken(ctx, hc, federation, c, 0); err == nil {
			u.warnf("--duration ignored: the sign-in endpoint refused a console session length for these credentials (AWS refuses it for role chaining)")
		}
	}
	if err != nil {
		return explainSignin(err, name, s, chained)
	}
	login, err := loginURL(federation, *destination, token)
	if err != nil {
		return err
	}
	if *printURL {
		_, err := fmt.Fprintln(u.stdout, login)
		return err
	}
	if err := openBrowser(login); err != nil {
		return err
	}
	u.infof("opened the AWS console as %s in your browser", s.RoleARN)
	return nil
}

// checkDestination accepts an absolute https URL: the console pages are.
func checkDestination(d string) error {
	p, err := url.Parse(d)
	if err != nil || p.Scheme != "https" || p.Host == "" {
		return usagef("console: invalid --destination %q: want a console URL such as https://console.aws.amazon.com/s3/", d)
	}
	return nil
}

// signinRejected is a refusal by the federation endpoint (an HTTP status
// other than 200), as opposed to a failure to reach it.
type signinRejected struct {
	status int
	detail string // the body, when short and free of the credentials
}

func (e *signinRejected) Error() string {
	msg := fmt.Sprintf("the AWS sign-in endpoint refused the credentials (HTTP %d)", e.status)
	if e.detail != "" {
		msg += ": " + e.detail
	}
	return msg
}

// ErrorCode names the refusal in the table of credproc.Explain.
func (e *signinRejected) ErrorCode() string { return credproc.SigninRejected }

// ErrorMessage is the refusal as Error gives it.
func (e *signinRejected) ErrorMessage() string { return e.Error() }

func isRejected(err error) bool {
	var r *signinRejected
	return errors.As(err, &r)
}

// explainSignin wraps a sign-in token failure with what to do about it.
func explainSignin(err error, profile string, s *credproc.Settings, chained bool) error {
	return credproc.Explain(credproc.Call{Service: "signin", Op: "console sign-in", Profile: profile,
		Chained: chained, Duration: s.Duration != 0}, err)
}

// signinToken exchanges role credentials for a console sign-in token at the
// federation endpoint (Action=getSigninToken). Its errors never hold the
// request URL, which holds the credentials.
func signinToken(ctx context.Context, hc *http.Client, federation string, c cache.Credentials, duration time.Duration) (string, error) {
	session, err := json.Marshal(map[string]string{
		"sessionId":    c.AccessKeyID,
		"sessionKey":   c.SecretAccessKey,
		"sessionToken": c.SessionToken,
	})
	if err != nil {
		return "", err
	}
	q := url.Values{"Action": {"getSigninToken"}, "Session": {string(session)}}
	if duration != 0 {
		q.Set("SessionDuration", strconv.Itoa(int(duration/time.Second)))
	}
	endpoint, err := url.Parse(federation)
	if err != nil || endpoint.Host == "" {
		return "", fmt.Errorf("invalid federation endpoint %q", federation)
	}
	endpoint.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint.String(), nil)
	if err != nil {
		return "", fmt.Errorf("federation endpoint %s: bad request", endpoint.Host)
	}
	req.Header.Set("User-Agent", "credproc/"+buildVersion())
	ctx, cancel := context.WithTimeout(ctx, credproc.NetworkDeadline)
	defer cancel()
	resp, err := hc.Do(req.WithContext(ctx))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // *url.Error quotes the URL, credentials and all
		}
		return "", fmt.Errorf("cannot reach the AWS sign-in endpoint %s: %s", endpoint.Host, redact(err.Error(), c))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("read the reply of the AWS sign-in endpoint %s: %v", endpoint.Host, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", &signinRejected{status: resp.StatusCode, detail: rejectionDetail(string(body), c)}
	}
	var out struct{ SigninToken string }
	if err := json.Unmarshal(body, &out); err != nil || out.SigninToken == "" {
		return "", fmt.Errorf("the AWS sign-in endpoint %s sent no sign-in token", endpoint.Host)
	}
	return out.SigninToken, nil
}

// rejectionDetail is the message in an error reply of the federation
// endpoint: an HTML page whose heading reads "HTTP Status 400 - MESSAGE".
// It is "" when there is none, or when it quotes the credentials.
func rejectionDetail(body string, c cache.Credentials) string {
	if _, h, ok := strings.Cut(body, "<h1>"); ok {
		body, _, _ = strings.Cut(h, "</h1>")
		if _, m, ok := strings.Cut(body, " - "); ok {
			body = m
		}
	}
	d := oneLine(html.UnescapeString(body))
	if len(d) > 200 || strings.ContainsAny(d, "<>") || redact(d, c) != d {
		return ""
	}
	return d
}

// redact removes c's secrets from a message.
func redact(msg string, c cache.Credentials) string {
	for _, s := range []string{c.SecretAccessKey, c.SessionToken} {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}

// loginURL is the URL that signs the browser in with token and sends it on
// to destination.
func loginURL(federation, destination, token string) (string, error) {
	u, err := url.Parse(federation)
	if err != nil {
		return "", fmt.Errorf("invalid federation endpoint %q", federation)
	}
	u.RawQuery = url.Values{
		"Action":      {"login"},
		"Issuer":      {"credproc"},
		"Destination": {destination},
		"SigninToken": {token},
	}.Encode()
	return u.String(), nil
}

// openerCommand is the program, and its arguments, that opens target in
// the default browser on goos.
func openerCommand(goos, target string) (string, []string) {
	switch goos {
	case "darwin":
		return "open", []string{target}
	case "windows":
		return "rundll32", []string{"url.dll,FileProtocolHandler", target}
	}
	return "xdg-open", []string{target}
}

// openBrowser opens the sign-in URL in the default browser. The URL goes
// to the opener as one argument, never through a shell; the opener's
// output is discarded because openers quote the URL in their messages.
func openBrowser(target string) error {
	name, args := openerCommand(runtime.GOOS, target)
	path, err := exec.LookPath(name)
	if err != nil {
		return &credproc.Error{
			Msg:  fmt.Sprintf("cannot open a browser: %s not found", name),
			Hint: "print the sign-in URL with `credproc console --print` and open it yourself",
			Err:  err,
		}
	}
	cmd := exec.Command(path, args...)
	if err := cmd.Start(); err != nil {
		return &credproc.Error{Msg: fmt.Sprintf("cannot open a browser: %s: %v", name, err), Hint: "use `credproc console --print`", Err: err}
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			return &credproc.Error{
				Msg:  fmt.Sprintf("cannot open a browser: %s failed (%v)", name, err),
				Hint: "print the sign-in URL with `credproc console --print` and open it yourself",
				Err:  err,
			}
		}
	case <-time.After(openerWait):
		// Still running: it started the browser in the foreground.
	}
	return nil
}
