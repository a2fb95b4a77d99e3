package distrofile

import "testing"

// TestRedefineDefaultAccounts: USERADD and GROUPADD replace the default
// nonroot, nobody and nogroup (once), never root.
func TestRedefineDefaultAccounts(t *testing.T) {
	for _, tc := range []struct {
		src, passwd, group string
	}{
		{"USERADD --uid=1000 nonroot\n",
			"root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:1000:1000:nonroot:/home/nonroot:/sbin/nologin\n",
			"root:x:0:\nnogroup:x:65534:\nnonroot:x:1000:\n"},
		{"GROUPADD --gid=2000 nonroot\n",
			"root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:2000:nonroot:/home/nonroot:/sbin/nologin\n",
			"root:x:0:\nnogroup:x:65534:\nnonroot:x:2000:\n"},
		{"GROUPADD --gid=3000 nogroup\nUSERADD --uid=3000 --gid=3000 --home=/ nobody\n",
			"root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\nnobody:x:3000:3000:nobody:/:/sbin/nologin\n",
			"root:x:0:\nnonroot:x:65532:\nnogroup:x:3000:\n"},
	} {
		df, states := testStates(t, "FROM debian:trixie\n"+tc.src)
		a := states[df.Stages[0]].Accounts
		if a.Passwd() != tc.passwd || a.Group() != tc.group {
			t.Errorf("%q:\n%s\n%s", tc.src, a.Passwd(), a.Group())
		}
	}
}
