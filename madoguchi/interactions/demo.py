"""Demo categories for the operator desk (loaded by ``load_demo``): a small two-level
tree per center, so the desk's category buttons have something to press. Idempotent."""

from __future__ import annotations

from madoguchi.interactions.models import Category
from madoguchi.tenancy.models import Center

TREE: dict[str, list[str]] = {
    "くらし・手続き": ["住民票・戸籍", "マイナンバーカード", "印鑑登録", "転入・転出"],
    "ごみ・環境": ["ごみの出し方", "粗大ごみ", "ごみ収集日"],
    "税金・保険": ["市県民税", "固定資産税", "国民健康保険"],
    "子育て・福祉": ["児童手当", "保育園", "介護保険"],
    "その他": ["施設・イベント", "道路・公園", "ご意見・ご要望"],
}


def demo_categories_ensure(*, center: Center) -> int:
    """Create the demo tree where missing; returns the number of categories created."""
    created = 0
    for order, (top, children) in enumerate(TREE.items(), start=1):
        parent, made = Category.objects.get_or_create(
            center=center, parent=None, name=top, defaults={"order": order}
        )
        created += made
        for child_order, name in enumerate(children, start=1):
            _, made = Category.objects.get_or_create(
                center=center, parent=parent, name=name, defaults={"order": child_order}
            )
            created += made
    return created
