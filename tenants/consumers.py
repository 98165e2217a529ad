from channels.generic.websocket import AsyncJsonWebsocketConsumer

from saas.accounts.roles import PLATFORM_ROLES
from saas.realtime import CLOSE_FORBIDDEN, group_name


class PlatformTenantsConsumer(AsyncJsonWebsocketConsumer):
    """Pushes each client enterprise's status change to the platform console as it happens."""

    async def connect(self):
        user = self.scope["user"]
        if not user.is_authenticated or user.role not in PLATFORM_ROLES:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = group_name(self.scope["tenant"], "tenants")
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def tenant_changed(self, event):
        await self.send_json(event["tenant"])
