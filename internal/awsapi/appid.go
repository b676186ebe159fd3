package awsapi

import (
	"sync/atomic"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/middleware"
)

// lateAppID carries the app ID (AWS_SDK_UA_APP_ID, sdk_ua_app_id) to the
// clients the SDK builds while it loads a configuration: those of the
// source profile's credential chain (STS for role_arn and web identity,
// SSO). The SDK resolves credentials before the app ID, so those clients
// are built with none and their calls would not name the app; the option
// reads the ID when a call is made, after the load has resolved it.
type lateAppID struct{ id atomic.Pointer[string] }

// option is the load option that adds the app ID to every call of a
// client built during the load.
func (l *lateAppID) option() func(*config.LoadOptions) error {
	return config.WithAPIOptions([]func(*middleware.Stack) error{l.addToStack})
}

func (l *lateAppID) addToStack(st *middleware.Stack) error {
	id := l.id.Load()
	if id == nil || *id == "" {
		return nil
	}
	return awsmiddleware.AddSDKAgentKey(awsmiddleware.ApplicationIdentifier, *id)(st)
}

// resolved records the loaded configuration's app ID and returns its API
// options without this one: clients made from the returned configuration
// carry cfg.AppID themselves, and the ID would appear twice.
func (l *lateAppID) resolved(appID string, apiOptions []func(*middleware.Stack) error) []func(*middleware.Stack) error {
	l.id.Store(&appID)
	if len(apiOptions) == 0 {
		return apiOptions
	}
	// LoadConfig gives the load no other API option, and the SDK adds none
	// of its own: this one is the last.
	return apiOptions[: len(apiOptions)-1 : len(apiOptions)-1]
}
