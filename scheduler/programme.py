"""The programme's usual activities, prices and topics: the defaults a new plan starts from.

They are those of the seed plans (Hưng Nguyên 2023, seed 004 §III.2): a policy
dialogue in every commune, regular programmes on the commune loudspeaker
stations with 10 items in the "For the Poor" peak month (17 October – 18
November), and a two-day training course for commune poverty-reduction staff in
the third quarter, at the prices of the bundled Hưng Nguyên scenario
(configs/scenarios/hung-nguyen-2023.toml). A new workbook is pre-filled with them
and the benchmark generators build on them; a planner edits them freely.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from scheduler.i18n import words_of
from scheduler.scenario.schema import ActivitySpec, Announcement, RoleName, Topic

# Prices of the Hưng Nguyên scenario.
DIALOGUE_ATTENDEES = 50
DIALOGUE_FIXED_VND = 3_600_000
DIALOGUE_PER_ATTENDEE_VND = 100_000
BROADCAST_ITEM_VND = 50_000
TRAINING_FIXED_VND = 6_000_000
TRAINING_PER_TRAINEE_DAY_VND = 200_000
TRAINEES_PER_COMMUNE = 3
TRAINING_DAYS = 2
CLASS_SIZE = 30
# The usual topics of the programmes and dialogues (seed 004 §III.2.2):
# (id, Vietnamese name, English name).
TOPICS = (
    ("bhyt", "Chính sách hỗ trợ bảo hiểm y tế", "Health insurance support"),
    (
        "giao_duc",
        "Chính sách hỗ trợ giáo dục và đào tạo",
        "Education and training support",
    ),
    (
        "tin_dung",
        "Tín dụng ưu đãi (NHCSXH)",
        "Preferential credit (Social Policy Bank)",
    ),
    (
        "viec_lam",
        "Dạy nghề, việc làm, xuất khẩu lao động",
        "Vocational training, jobs and labour export",
    ),
    ("nha_o", "Chính sách hỗ trợ nhà ở", "Housing support"),
)

DISTRICT_DIALOGUE_ROLES = {"lanh_dao_huyen": 1, "ldtbxh": 1, "nhcsxh": 1}
# Since 2025 the province's agriculture and environment department leads the
# programme, with the provincial branch of the Social Policy Bank.
PROVINCE_DIALOGUE_ROLES = {"lanh_dao_so": 1, "can_bo_giam_ngheo": 1, "nhcsxh": 1}


def usual_topics(activities: tuple[str, ...] = ("broadcast",)) -> tuple[Topic, ...]:
    """Return the usual topics, each for ``activities``."""
    return tuple(
        Topic(topic_id=t, name_vi=vi, name_en=en, activities=activities)
        for t, vi, en in TOPICS
    )


def usual_activities(
    *,
    year: int = 2023,
    dialogue_roles: Mapping[str, int] | None = None,
    local_source: str = "ngan_sach_huyen",
) -> dict[str, ActivitySpec]:
    """Return the dialogue, the station programme and the training of Q3–Q4 ``year``.

    Parameters
    ----------
    year : int
        The plan's year (the training's window and the peak months).
    dialogue_roles : mapping, optional
        Staff per role at each dialogue (default: a district leader, a labour
        officer and a Social Policy Bank officer, as in Hưng Nguyên).
    local_source : str
        The id of the local budget beside the National Target Programme's.

    Returns
    -------
    dict
        Activity id → its specification.
    """
    roles = dict(dialogue_roles or DISTRICT_DIALOGUE_ROLES)
    return {
        "dialogue": ActivitySpec(
            kind="session",
            name_vi="Đối thoại chính sách giảm nghèo",
            name_en="Poverty-reduction policy dialogue",
            per_commune=1,
            attendees=DIALOGUE_ATTENDEES,
            roles=roles,
            cost_fixed_vnd=DIALOGUE_FIXED_VND,
            cost_per_attendee_vnd=DIALOGUE_PER_ATTENDEE_VND,
            funding_sources=("ctmtqg", local_source),
            priority=10,
            preferred_weekdays=("tue", "wed", "thu"),
            announce=Announcement(via="broadcast", min_broadcasts=2, window_days=5),
            requires_training="training",
        ),
        "broadcast": ActivitySpec(
            kind="broadcast",
            name_vi="Phát thanh tuyên truyền giảm nghèo trên đài truyền thanh xã",
            name_en="Poverty-reduction programme on the commune loudspeaker station",
            per_month=8,
            per_month_override={f"{year}-10": 10, f"{year}-11": 10},
            max_per_week=3,
            max_per_day=1,
            minutes=10,
            topic_gap_days=7,
            every_topic_per_quarter=True,
            days="every_day",
            cost_per_item_vnd=BROADCAST_ITEM_VND,
            funding_sources=(local_source, "ctmtqg"),
            priority=1,
        ),
        "training": ActivitySpec(
            kind="training",
            name_vi="Tập huấn nghiệp vụ truyền thông giảm nghèo cho cán bộ xã",
            name_en="Communication training for commune poverty-reduction staff",
            class_size=CLASS_SIZE,
            duration_days=TRAINING_DAYS,
            trainees_per_commune=TRAINEES_PER_COMMUNE,
            roles={"giang_vien": 1},
            venue="ttct",
            cost_fixed_vnd=TRAINING_FIXED_VND,
            cost_per_trainee_day_vnd=TRAINING_PER_TRAINEE_DAY_VND,
            funding_sources=("ctmtqg",),
            priority=5,
            window_start=dt.date(year, 7, 1),
            window_end=dt.date(year, 9, 30),
        ),
    }


def usual_role_names(roles: Mapping[str, int]) -> dict[str, RoleName]:
    """Return the display names of ``roles`` and the trainer's, where known."""
    wanted = [*roles, "giang_vien"]
    named = {r: words_of(f"role_office.{r}") for r in wanted}
    return {
        r: RoleName(name_vi=words[0], name_en=words[1])
        for r, words in named.items()
        if words is not None
    }
