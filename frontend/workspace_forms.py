"""Forms of the client workspace. They turn what a person types into the keyword arguments of the
same services the API calls; the services have the last word on validity."""

from __future__ import annotations

import re
from datetime import time

from django import forms
from django.utils.translation import gettext_lazy as _

from compliance.models import PlatformSite
from saas.agents.models import Agent, ReasonCode, Skill, Team
from saas.calendars.models import CalendarDay
from saas.numbers.models import NumberRoute
from saas.queues.models import OpeningHours, Queue
from saas.seats.models import Seat


class SeatForm(forms.ModelForm):
    active = forms.BooleanField(label=_("Activate now"), required=False)

    class Meta:
        model = Seat
        fields = ["code", "name", "kind", "site", "extension"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = PlatformSite.objects.filter(state=PlatformSite.State.ACTIVE)
        self.fields["site"].required = False
        self.fields["site"].empty_label = _("The platform's default site")
        if self.instance.pk:
            del self.fields["active"]  # activation of an existing seat is its own button


class SkillForm(forms.ModelForm):
    class Meta:
        model = Skill
        fields = ["name", "description"]


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "leader"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = self.fields["leader"].queryset.filter(role="supervisor", is_active=True)


class ReasonCodeForm(forms.ModelForm):
    class Meta:
        model = ReasonCode
        fields = ["code", "name", "category"]


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


class AgentForm(forms.ModelForm):
    """The agent's profile, their login (on creation), and a proficiency 0–5 per skill (0: none)."""

    username = forms.RegexField(label=_("Username"), regex=r"^[\w.@+-]{3,150}$", max_length=150)
    password = forms.CharField(label=_("Initial password"), required=False, min_length=10,
                               widget=forms.PasswordInput(render_value=False),
                               help_text=_("Leave empty to generate one; it is shown once."))

    class Meta:
        model = Agent
        fields = ["employee_number", "name", "team", "default_seat", "hire_date", "leave_date"]
        widgets = {"hire_date": forms.DateInput(attrs={"type": "date"}),
                   "leave_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["username"], self.fields["password"]
        self.fields["default_seat"].empty_label = _("Free seating")
        levels = {row.skill_id: row.proficiency for row in self.instance.agent_skills.all()} if self.instance.pk else {}
        for skill in Skill.objects.filter(active=True):
            self.fields[f"skill_{skill.pk}"] = forms.IntegerField(
                label=skill.name, min_value=0, max_value=5, required=False, initial=levels.get(skill.pk, 0),
                help_text=_("Proficiency 1–5, 0 for none"),
            )

    def clean(self):
        data = super().clean()
        data["skills"] = [
            {"skill": Skill(pk=int(name.removeprefix("skill_"))), "proficiency": level}
            for name, level in list(data.items()) if name.startswith("skill_") and level
        ]
        for name in [name for name in data if name.startswith("skill_")]:
            del data[name]
        return data

    def _post_clean(self):
        # The agent's user does not exist yet on creation; the service makes it and validates the rest.
        pass


HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class QueueForm(forms.ModelForm):
    """A queue; its wrap-up codes as lines of `code name`, its hours as `09:00-12:00, 13:00-18:00` a day."""

    wrap_up_text = forms.CharField(
        label=_("Wrap-up codes"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: code, a space, then the name. E.g. “resolved 已解决”."),
    )

    class Meta:
        model = Queue
        fields = ["name", "required_skills", "strategy", "priority", "service_level_percent",
                  "service_level_seconds", "short_abandon_seconds", "max_wait_seconds", "max_length",
                  "overflow_action", "overflow_queue", "after_call_work_seconds", "wrap_up_required",
                  "always_open"]
        widgets = {"required_skills": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["required_skills"].queryset = Skill.objects.filter(active=True)
        queues = Queue.objects.filter(active=True)
        self.fields["overflow_queue"].queryset = queues.exclude(pk=self.instance.pk) if self.instance.pk else queues
        hours = list(self.instance.hours.all()) if self.instance.pk else []
        for day, label in OpeningHours.DAYS:
            self.fields[f"hours_{day}"] = forms.CharField(
                label=label, required=False, help_text=_("e.g. 09:00-12:00, 13:00-18:00; empty: closed"),
                initial=", ".join(f"{h.opens:%H:%M}-{h.closes:%H:%M}" for h in hours if h.day == day),
            )
        if self.instance.pk:
            self.fields["wrap_up_text"].initial = "\n".join(
                f"{code.code} {code.name}" for code in self.instance.wrap_up_codes.filter(active=True))

    def clean(self):
        data = super().clean()
        data["wrap_up_codes"] = self._wrap_up_codes(data.pop("wrap_up_text", ""))
        data["hours"] = [interval for day, _label in OpeningHours.DAYS
                         for interval in self._intervals(day, data.pop(f"hours_{day}", ""))]
        return data

    def _wrap_up_codes(self, text: str) -> list[dict]:
        codes = []
        for line in filter(None, (line.strip() for line in text.splitlines())):
            code, _space, name = line.partition(" ")
            if not name.strip():
                self.add_error("wrap_up_text", _("“%(line)s” needs a code and a name.") % {"line": line})
            codes.append({"code": code, "name": name.strip()})
        return codes

    def _intervals(self, day: int, text: str) -> list[dict]:
        intervals = []
        for part in filter(None, (part.strip() for part in text.replace("，", ",").split(","))):
            match = HOURS.match(part)
            try:
                opens, closes = (time(int(match[1]), int(match[2])), time(int(match[3]), int(match[4])))
            except (TypeError, ValueError):
                self.add_error(f"hours_{day}", _("Write hours as 09:00-18:00."))
                continue
            intervals.append({"day": day, "opens": opens, "closes": closes})
        return intervals


class NumberRouteForm(forms.ModelForm):
    class Meta:
        model = NumberRoute
        fields = ["queue", "follow_queue_hours", "closed_action", "closed_queue"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in ("queue", "closed_queue"):
            self.fields[field].queryset = Queue.objects.filter(active=True)
