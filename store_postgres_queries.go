package organizations

// The statements of PostgresStore, by index; NewPostgresStore fills in the schema.
const (
	qCreateOrg = iota
	qOrgByID
	qOrgBySlug
	qUpdateOrg
	qDeleteOrg
	qOrgsForUser
	qAddUser
	qGetOrAddUser
	qRemoveUser
	qSetRole
	qMember
	qOrgMemberByID
	qOrgMemberBySlug
	qMembers
	qOwner
	qChangeOwner
	qCreateInvitation
	qInvitationByHash
	qInvitationByID
	qAcceptInvitation
	qDeclineInvitation
	qRevokeInvitation
	qRenewInvitation
	qDeleteInvitation
	qPendingInvitations
	qInvitationsForEmail
	qCreateActivation
	qActivationByHash
	qCompleteActivation
	qDeleteActivation
	qCount
)

var pgStatements = [qCount]string{
	qCreateOrg:           sqlCreateOrg,
	qOrgByID:             sqlOrgByID,
	qOrgBySlug:           sqlOrgBySlug,
	qUpdateOrg:           sqlUpdateOrg,
	qDeleteOrg:           sqlDeleteOrg,
	qOrgsForUser:         sqlOrgsForUser,
	qAddUser:             sqlAddUser,
	qGetOrAddUser:        sqlGetOrAddUser,
	qRemoveUser:          sqlRemoveUser,
	qSetRole:             sqlSetRole,
	qMember:              sqlMember,
	qOrgMemberByID:       sqlOrgMemberByID,
	qOrgMemberBySlug:     sqlOrgMemberBySlug,
	qMembers:             sqlMembers,
	qOwner:               sqlOwner,
	qChangeOwner:         sqlChangeOwner,
	qCreateInvitation:    sqlCreateInvitation,
	qInvitationByHash:    sqlInvitationByHash,
	qInvitationByID:      sqlInvitationByID,
	qAcceptInvitation:    sqlAcceptInvitation,
	qDeclineInvitation:   sqlDeclineInvitation,
	qRevokeInvitation:    sqlRevokeInvitation,
	qRenewInvitation:     sqlRenewInvitation,
	qDeleteInvitation:    sqlDeleteInvitation,
	qPendingInvitations:  sqlPendingInvitations,
	qInvitationsForEmail: sqlInvitationsForEmail,
	qCreateActivation:    sqlCreateActivation,
	qActivationByHash:    sqlActivationByHash,
	qCompleteActivation:  sqlCompleteActivation,
	qDeleteActivation:    sqlDeleteActivation,
}
