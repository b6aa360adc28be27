"""What every staff page needs: the firm, the role, the navigation the user may open."""

from django.apps import apps
from django.urls import NoReverseMatch, reverse


def navigation_for(request) -> list[dict]:
    """Each app's `navigation` (AppConfig: label, icon, order, items of (label, url name,
    permission or None), and optionally `lead_for_roles`: the roles whose menu opens with
    it); an item shows only to users whose role has its permission."""
    user = request.user
    role = getattr(user, "role", "")
    declared = sorted((config.navigation for config in apps.get_app_configs()
                       if hasattr(config, "navigation")),
                      key=lambda section: (role not in section.get("lead_for_roles", ()),
                                           section["order"]))
    sections = []
    for section in declared:
        label, icon, entries = section["label"], section["icon"], section["items"]
        items = []
        for item_label, url_name, permission in entries:
            if permission and not user.has_perm(permission):
                continue
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue
            items.append({"label": item_label, "url": url,
                          "active": request.path.startswith(url) and url != "/"})
        if items:
            sections.append({"label": label, "icon": icon, "items": items,
                             "active": any(item["active"] for item in items)})
    return sections


def shell(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"firm": None, "role_label": "", "nav_sections": [], "unread_notifications": 0,
                "notifications_url": None}
    return {
        "firm": user.firm,
        "role_label": user.role_label,
        "nav_sections": navigation_for(request),
        "unread_notifications": unread_notifications(user),
        "notifications_url": notifications_url(),
    }


def unread_notifications(user) -> int:
    """Unread notifications, counted by the app that keeps them (AppConfig.unread_count)."""
    return sum(config.unread_count(user) for config in apps.get_app_configs()
               if hasattr(config, "unread_count"))


def notifications_url() -> str | None:
    """The notifications page of the app that keeps them (AppConfig.notifications_url_name)."""
    for config in apps.get_app_configs():
        if hasattr(config, "notifications_url_name"):
            return reverse(config.notifications_url_name)
    return None
