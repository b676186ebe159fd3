package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/credserver"
)

// serverEnv is parent's environment for a command served by srv: no
// static keys (childEnv drops them), the endpoint and its token instead,
// and the region.
func serverEnv(parent []string, srv *credserver.Server, region string) []string {
	var set []envVar
	for _, k := range []string{credserver.EnvFullURI, credserver.EnvToken} {
		set = append(set, envVar{k, srv.Env()[k]})
	}
	if region != "" {
		set = append(set, envVar{"AWS_REGION", region}, envVar{"AWS_DEFAULT_REGION", region})
	}
	// Settings that would make an SDK pick another provider first, or
	// point the container provider elsewhere.
	drop := map[string]bool{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": true, "AWS_WEB_IDENTITY_TOKEN_FILE": true, "AWS_ROLE_ARN": true}
	var kept []string
	for _, kv := range parent {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			kept = append(kept, kv)
		}
	}
	return childEnv(kept, set, "")
}

// serveSession starts a credential endpoint for exec --server: every
// request resolves the profile's credentials again (cache, then refresh),
// so the command outlives the role session it started with. It returns
// the command's environment and the function that closes the endpoint.
func serveSession(u *ui, sess *profileSession, name string) (stop func(), env []string, err error) {
	r := newResolver(u)
	srv, err := credserver.Start(func(ctx context.Context) (cache.Credentials, error) {
		return r.Credentials(ctx, sess.settings)
	}, shortReason)
	if err != nil {
		return nil, nil, &credproc.Error{Msg: fmt.Sprintf("exec --server: cannot listen on 127.0.0.1: %v", err), Err: err}
	}
	env = serverEnv(os.Environ(), srv, sess.region)
	env = setEnv(env, "CREDPROC_PROFILE", name)
	return func() { srv.Close() }, env, nil
}

// setEnv replaces or appends k=v.
func setEnv(env []string, k, v string) []string {
	out := env[:0]
	for _, kv := range env {
		if n, _, _ := strings.Cut(kv, "="); n != k {
			out = append(out, kv)
		}
	}
	return append(out, k+"="+v)
}
