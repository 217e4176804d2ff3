# Policy for the shared adapter table (test/adapters/table.ts).
package authz

claims := input.jwt.payload

http := input.request.http

# ---- boolean entrypoint: authz/allow
default allow := false

allow if {
	http.method == "POST"
	"admin" in claims.roles
}

allow if {
	http.method == "GET"
	"admin" in claims.roles
}

# Readers may read all but the admin pages. Written in lower case: where the app routes case-insensitively, the
# path the policy sees is lower-cased.
allow if {
	http.method == "GET"
	"reader" in claims.roles
	not startswith(http.path, "/admin")
}

# ---- object entrypoint: authz/decision (the seed's output schema)
default decision := {
	"allowed": false,
	"external_message": "admins only: ask support@example.com",
	"internal_message": "caller lacks the admin role",
}

decision := {"allowed": true} if allow

# Anonymous callers may read the open catalogue, nothing else.
decision := {"allowed": true} if {
	http.method == "GET"
	startswith(http.path, "/api/open")
	not input.jwt
}

# Two complete definitions with different values: an evaluation error (conflict), never a decision.
decision := {"allowed": true, "conflict": 1} if http.path == "/api/explode"

decision := {"allowed": true, "conflict": 2} if http.path == "/api/explode"

# About 900 million loop iterations, minutes of work: stopped at the evaluation budget (a 500), never decided.
decision := {"allowed": true} if {
	http.path == "/api/spin"
	count([1 | some i in numbers.range(1, 30000); some j in numbers.range(1, 30000); i == j]) > 0
}

# A few megabytes of values in milliseconds: past the table apps' maxPolicyMemory, so the instance is replaced.
decision := {"allowed": true} if {
	http.path == "/api/grow"
	rows := [[i, j, i, j, i, j, i, j, i, j, i, j, i, j, i, j] | some i in numbers.range(1, 100); some j in numbers.range(1, 100)]
	count(rows) == 10000
}

# A field validated with a pattern that backtracking engines take exponential time on (RE2 matches it in linear
# time, as OPA does): a long query value is answered at once, allowed only when it matches.
decision := {"allowed": true} if {
	http.path == "/api/validate"
	regex.match(`^(a+)+$`, input.request.http.query.name[0])
}

# ---- per-route override: authz/special
default special := false

special if "special" in claims.roles

# ---- the input document as the policy sees it, handed back to the test (entrypoint authz/echo)
echo := {"allowed": true, "input": input}

# ---- a deny-list MCP policy (entrypoint authz/mcp_denylist): every request is allowed except calls of listed tools.
# Only as safe as the classification of what the MCP server will run: the table's smuggling scenarios test that.
denied_tools := {"delete_all"}

default mcp_denylist := {"allowed": true}

mcp_denylist := {"allowed": false, "external_message": "this tool may not be called"} if {
	input.request.mcp.tool.params.name in denied_tools
}
