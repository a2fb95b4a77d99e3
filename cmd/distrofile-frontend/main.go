// Command distrofile-frontend is the BuildKit gateway frontend that builds
// images from a Distrofile. BuildKit runs it from the frontend image named by
// a Distrofile's `# syntax=` line (or --frontend gateway.v0).
//
// Run as `distrofile-frontend resolve REQUEST INDEXES OUT` (by the build
// step the frontend makes for it), it resolves a stage's packages against
// Packages files instead: see plan.ResolveMain.
package main

import (
	"fmt"
	"os"

	"github.com/distrofile/distrofile/frontend"
	"github.com/distrofile/distrofile/plan"
	"github.com/moby/buildkit/frontend/gateway/grpcclient"
	"github.com/moby/buildkit/util/appcontext"
	_ "github.com/moby/buildkit/util/grpcutil/encoding/proto" // the gateway's vtproto codec
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == plan.ResolveMode {
		if err := plan.ResolveMain(os.Args[1:], os.Stderr); err != nil {
			fmt.Fprintf(os.Stderr, "distrofile-frontend %s: %v\n", plan.ResolveMode, err)
			os.Exit(1)
		}
		return
	}
	if err := grpcclient.RunFromEnvironment(appcontext.Context(), frontend.Build); err != nil {
		fmt.Fprintf(os.Stderr, "distrofile-frontend: %v\n", err)
		os.Exit(1)
	}
}
