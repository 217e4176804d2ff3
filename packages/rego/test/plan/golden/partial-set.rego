# entrypoint: app/roles
package app

roles contains r if {
	some r in input.roles
	r != "guest"
}
