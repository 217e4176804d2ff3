# The orders API's policy for the identity-provider recipes (docs/identity-providers.md): which scopes, roles, client
# roles, groups or permissions grant reading (GET) and writing (POST) orders comes from `data.access`, so one policy
# serves every provider's naming; lib.idp reads each provider's claim layout.
package orders

import data.lib.idp

claims := input.jwt.payload

action := "read" if input.request.http.method == "GET"

action := "write" if input.request.http.method == "POST"

grants := object.get(data.access, action, {})

default allow := false

allow if {
	some scope in object.get(grants, "scopes", [])
	idp.has_scope(claims, scope)
}

allow if {
	some role in object.get(grants, "roles", [])
	idp.has_role(claims, role)
}

allow if {
	some role in object.get(grants, "client_roles", [])
	role in idp.client_roles(claims, data.access.client)
}

allow if {
	some group in object.get(grants, "groups", [])
	group in idp.groups(claims)
}

allow if {
	some permission in object.get(grants, "permissions", [])
	permission in idp.permissions(claims)
}

# Providers without roles or scopes in their tokens (Google ID tokens): a verified address in a hosted domain.
allow if {
	some domain in object.get(grants, "domains", [])
	claims.hd == domain
	claims.email_verified == true
}
