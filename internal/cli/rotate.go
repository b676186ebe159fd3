package cli

import (
	"context"
	"strings"

	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/awsconfig"
)

// cmdRotate replaces a stored source's access key.
func cmdRotate(ctx context.Context, u *ui, args []string) error {
	fs := newFlagSet("rotate")
	mfaSerial := fs.String("mfa-serial", "", "MFA device of the IAM user (default: the one a profile of this source names)")
	mfaProcess := fs.String("mfa-process", "", "command that prints the current MFA code (default: the profile's, else ask on the terminal)")
	region := fs.String("region", "", "AWS region for STS (default $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("rotate: give exactly one source name")
	}
	name := strings.TrimPrefix(pos[0], credproc.KeyringPrefix)
	if err := checkSourceName(name); err != nil {
		return err
	}
	s := &credproc.Settings{Source: name, MFASerial: *mfaSerial, MFAProcess: *mfaProcess, Region: *region,
		MFADuration: credproc.DefaultMFADuration, RefreshWindow: credproc.DefaultRefreshWindow}
	if *mfaSerial == "" {
		if p, ps := mfaProfileOf(name); ps != nil {
			// The profile's own settings, so its cached MFA session serves.
			s.Source, s.MFASerial, s.MFADuration = ps.Source, ps.MFASerial, ps.MFADuration
			if s.MFAProcess == "" {
				s.MFAProcess = ps.MFAProcess
			}
			if s.Region == "" {
				s.Region = ps.Region
			}
			s.EndpointURL = ps.EndpointURL
			u.infof("using MFA device %s, from profile %s", s.MFASerial, p)
		}
	}
	if err := s.Validate(); err != nil {
		return err
	}
	r := newResolver(u)
	rot, err := r.Rotate(ctx, s, func(msg string) { u.infof("%s", msg) })
	if err != nil {
		return err
	}
	u.infof("rotated source %q: new key %s; old key %s deactivated and deleted; its cached sessions dropped", name, rot.New, rot.Old)
	return nil
}

// mfaProfileOf finds a credproc profile whose source is name and that has
// an MFA device.
func mfaProfileOf(name string) (string, *credproc.Settings) {
	f, err := awsconfig.Load(awsconfig.ConfigPath(), awsconfig.Config)
	if err != nil {
		return "", nil
	}
	for _, p := range f.ProfileNames() {
		prof, _ := f.Profile(p)
		s, err := settingsFromLine(p, prof.Get("credential_process"))
		if err != nil || s.MFASerial == "" {
			continue
		}
		if s.Source == name || s.Source == credproc.KeyringPrefix+name {
			return p, s
		}
	}
	return "", nil
}
