"""The staff directory: Cognito users whose group is their role and ``custom:branch`` their branch.

Locally the same calls go to moto's Cognito (``make run`` creates the pool).
"""

from __future__ import annotations

import contextlib
from typing import Any

from chalicelib.domain.errors import ConflictError, UnavailableError
from chalicelib.domain.roles import Role
from chalicelib.domain.staff import StaffMember
from chalicelib.settings import get_settings
from chalicelib.store import aws


class Directory:
    def __init__(self, client: Any = None) -> None:
        self._client = client
        self._pool = get_settings().user_pool_id

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws.client("cognito-idp", get_settings().region)
        return self._client

    def invite(self, member: StaffMember, *, send_mail: bool = True) -> None:
        """Create the user (Cognito mails the invitation) and put them in their role's group."""
        errors = self.client.exceptions
        mail = {"DesiredDeliveryMediums": ["EMAIL"]} if send_mail else {"MessageAction": "SUPPRESS"}
        try:
            self.client.admin_create_user(
                UserPoolId=self._pool,
                Username=member.id,
                UserAttributes=[
                    {"Name": "email", "Value": member.email},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": "custom:branch", "Value": member.branch},
                ],
                **mail,
            )
            self.client.admin_add_user_to_group(
                UserPoolId=self._pool, Username=member.id, GroupName=member.role.value
            )
        except (errors.UsernameExistsException, errors.AliasExistsException):
            raise ConflictError(
                "Someone with this email has an account already.", {"email": "This email is in use."}, "email_taken"
            ) from None
        except self.client.exceptions.ClientError as error:
            raise UnavailableError("The staff directory did not answer; try again in a minute.") from error

    def change_role(self, member: StaffMember, role: Role) -> None:
        self.client.admin_add_user_to_group(UserPoolId=self._pool, Username=member.id, GroupName=role.value)
        self.client.admin_remove_user_from_group(
            UserPoolId=self._pool, Username=member.id, GroupName=member.role.value
        )

    def remove(self, member: StaffMember) -> None:
        with contextlib.suppress(self.client.exceptions.UserNotFoundException):
            self.client.admin_delete_user(UserPoolId=self._pool, Username=member.id)
