"""Short notices that pages share, each with its explanation one click away."""

from __future__ import annotations

import streamlit as st

from views import kernen as vk


def estimate_notice(mode_label: str) -> None:
    """One line saying the distances are estimates, with a 'Waarom?' popover explaining it."""
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.markdown(f":material/straighten: {vk.estimate_note(mode_label)}", width="content")
        with st.popover("Waarom een schatting?", type="tertiary"):
            st.markdown(vk.estimate_explanation(mode_label))
